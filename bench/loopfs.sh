#!/bin/sh
# A scratch filesystem on a loop device over a file in /dev/shm, for `--write-dir`: the write
# workloads on another filesystem beside the data directory's own (bench/README.md, "Buffered
# writes and io-wq"). Needs root, losetup and mkfs.<fs> (xfs: apt-get install xfsprogs).
#
#   bench/loopfs.sh up xfs [SIZE]   -> prints the mount point, /mnt/uring-fs-bench-xfs (SIZE 1G)
#   bench/loopfs.sh down xfs        -> unmounts, detaches the loop device, removes the image
#
# The backing file lives in RAM (/dev/shm), so writeback costs memory copies, not a disk: put an
# ext4 made the same way beside it (`up ext4`) to tell the filesystem's share from the device's.
set -eu
cmd=${1:-}
fs=${2:-}
size=${3:-1G}
case "$fs" in xfs | ext4 | btrfs) ;; *) echo "usage: $0 up|down xfs|ext4|btrfs [SIZE]" >&2; exit 2 ;; esac
img=/dev/shm/uring-fs-bench-$fs.img
mnt=/mnt/uring-fs-bench-$fs
case "$cmd" in
up)
	if mountpoint -q "$mnt" 2>/dev/null; then echo "$mnt"; exit 0; fi
	command -v "mkfs.$fs" >/dev/null || { echo "$0: mkfs.$fs not found (xfs: apt-get install xfsprogs)" >&2; exit 1; }
	truncate -s "$size" "$img"
	dev=$(losetup --find --show "$img")
	"mkfs.$fs" -q "$dev" >/dev/null
	mkdir -p "$mnt"
	mount "$dev" "$mnt"
	echo "$mnt"
	;;
down)
	if mountpoint -q "$mnt" 2>/dev/null; then
		dev=$(findmnt -n -o SOURCE "$mnt")
		umount "$mnt"
		losetup -d "$dev"
	fi
	rmdir "$mnt" 2>/dev/null || true
	rm -f "$img"
	;;
*) echo "usage: $0 up|down xfs|ext4|btrfs [SIZE]" >&2; exit 2 ;;
esac
