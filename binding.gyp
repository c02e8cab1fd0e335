{
  "targets": [
    {
      "target_name": "uring_fs",
      "sources": [
        "native/addon.cc",
        "native/ring.cc",
        "native/probe.cc",
        "native/doctor.cc",
        "<!@(node -p \"require('fs').readdirSync('native/ops').filter((f) => f.endsWith('.cc')).map((f) => 'native/ops/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/liburing.js include_dirs)"
      ],
      "libraries": [
        "<!@(node scripts/liburing.js libraries)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_ENABLE_MAYBE",
        "URING_FS_LIBURING_VERSION=\"<!(node scripts/liburing.js version)\""
      ],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "configurations": {
        "Debug": {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address,undefined"]
        }
      }
    }
  ]
}
