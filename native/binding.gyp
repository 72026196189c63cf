{
  "targets": [
    {
      "target_name": "weir_native",
      "sources": ["addon.c", "sendfile.c", "crc32c.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
