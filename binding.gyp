{
  # Native code of berth. `npm install` runs `node-gyp rebuild` because this file
  # exists; build by hand with `node-gyp rebuild --nodedir=/usr` (Debian ships the
  # headers there, so nothing is downloaded).
  #
  # Targets:
  #   berth       the node-addon-api addon (build/Release/berth.node): syscalls Node
  #               lacks (mount, umount2, mknod, xattrs), rtnetlink for veths and
  #               the shim's posix_spawn, loaded by src/libcontainer/native.ts
  #   berth-shim  the per-container parent, a plain C executable
  #               (build/Release/berth-shim), sources in src/libcontainer/native/shim/
  "targets": [
    {
      "target_name": "berth",
      "sources": [
        "src/libcontainer/native/addon.cc",
        "src/libcontainer/native/mount.cc",
        "src/libcontainer/native/xattr.cc",
        "src/libcontainer/native/netlink.cc",
        "src/libcontainer/native/spawn.cc",
        "src/libcontainer/native/socket.cc",
        "src/libcontainer/native/hash.cc",
        "src/libcontainer/native/porch.cc",
        "src/libcontainer/native/errors.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++1y", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"]
    },
    {
      "target_name": "berth-shim",
      "type": "executable",
      "sources": [
        "src/libcontainer/native/shim/main.c",
        "src/libcontainer/native/shim/control.c",
        "src/libcontainer/native/shim/io.c",
        "src/libcontainer/native/shim/exec.c",
        "src/libcontainer/native/shim/init.c",
        "src/libcontainer/native/shim/mounts.c",
        "src/libcontainer/native/shim/cgroupfs.c",
        "src/libcontainer/native/shim/caps.c",
        "src/libcontainer/native/shim/seccomp.c",
        "src/libcontainer/native/shim/spec.c",
        "src/libcontainer/native/shim/log.c",
        "src/libcontainer/native/shim/util.c"
      ],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-D_GNU_SOURCE"],
      "ldflags": ["-static"],
      "libraries": ["-ljson-c", "-lseccomp"]
    }
  ]
}
