#!/bin/sh
# A scratch filesystem on a loop device over a file in /dev/shm, for `--write-dir`: the write
# workloads on another filesystem beside the data directory's own (bench/README.md, "Buffered
# writes and io-wq"). Needs root, losetup and mkfs.<fs> (xfs: apt-get install xfsprogs).
#
#   bench/loopfs.sh up xfs [SIZE]   -> prints the mount point, /mnt/uring-fs-bench-xfs (SIZE 1G)
#   bench/loopfs.sh down xfs        -> unmounts, detaches the loop device, removes the image
#   bench/loopfs.sh up raw [SIZE]   -> prints the loop device (/dev/loopN) over an image of random
#                                      bytes, no filesystem: a fast block device for
#                                      `--direct-file` (O_DIRECT reads); `down raw` removes it
#
# The backing file lives in RAM (/dev/shm), so writeback costs memory copies, not a disk: put an
# ext4 made the same way beside it (`up ext4`) to tell the filesystem's share from the device's.
set -eu
cmd=${1:-}
fs=${2:-}
size=${3:-1G}
case "$fs" in xfs | ext4 | btrfs | raw) ;; *) echo "usage: $0 up|down xfs|ext4|btrfs|raw [SIZE]" >&2; exit 2 ;; esac
img=/dev/shm/uring-fs-bench-$fs.img
mnt=/mnt/uring-fs-bench-$fs
if [ "$fs" = raw ]; then
	case "$cmd" in
	up)
		dev=$(losetup -j "$img" -O NAME -n 2>/dev/null | head -n1)
		if [ -n "$dev" ]; then echo "$dev"; exit 0; fi
		# Random bytes, so nothing below can shortcut zeroes; the image is RAM.
		head -c "$(numfmt --from=iec "$size")" /dev/urandom >"$img"
		# Direct I/O from the loop driver to the image where tmpfs allows it (Linux 6.6),
		# so a read is not copied through the loop device's own page cache as well.
		dev=$(losetup --find --show --direct-io=on "$img" 2>/dev/null || losetup --find --show "$img")
		echo "$dev"
		;;
	down)
		for dev in $(losetup -j "$img" -O NAME -n 2>/dev/null); do losetup -d "$dev"; done
		rm -f "$img"
		;;
	*) echo "usage: $0 up|down raw [SIZE]" >&2; exit 2 ;;
	esac
	exit 0
fi
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
