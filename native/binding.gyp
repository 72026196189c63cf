{
  "targets": [
    {
      "target_name": "weir_native",
      "sources": ["addon.c", "sendfile.c", "crc32c.c"],
      "cflags": ["-O2", "-Wall"],
      "conditions": [
        # The CRC32 instructions for crc32c.c, which uses them only where the CPU has them.
        ["target_arch == 'arm64'", { "cflags": ["-march=armv8-a+crc"] }]
      ]
    }
  ]
}
