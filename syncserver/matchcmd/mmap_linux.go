package matchcmd

import (
	"os"
	"syscall"
)

// mapFile maps the regular file f, of size bytes, read-only into memory with its pages
// populated at once, or returns nil when it cannot (the caller then reads the file). A
// national instance is read this way without copying its 40 MB nor faulting its pages in
// one by one; release unmaps it. The file must not be truncated while it is mapped.
func mapFile(f *os.File, size int64) (data []byte, release func()) {
	if size <= 0 || size != int64(int(size)) {
		return nil, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		return nil, nil
	}
	return data, func() { _ = syscall.Munmap(data) }
}
