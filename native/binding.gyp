{
  "targets": [
    {
      "target_name": "weir_sendfile",
      "sources": ["sendfile.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
