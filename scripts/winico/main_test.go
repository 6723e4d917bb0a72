package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"
)

// TestEncode: an ICONDIR of every size, each entry a PNG of its size at
// the offset and length it claims.
func TestEncode(t *testing.T) {
	ico, err := encode(image.NewNRGBA(image.Rect(0, 0, 512, 512)))
	if err != nil {
		t.Fatal(err)
	}
	var hdr [3]uint16
	binary.Read(bytes.NewReader(ico), binary.LittleEndian, &hdr)
	if hdr != [3]uint16{0, 1, uint16(len(sizes))} {
		t.Fatalf("header %v", hdr)
	}
	for i, s := range sizes {
		e := ico[6+16*i:]
		w := int(e[0])
		if w == 0 {
			w = 256
		}
		n, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		img, err := png.Decode(bytes.NewReader(ico[off : off+n]))
		if err != nil || w != s || img.Bounds().Dx() != s || img.Bounds().Dy() != s {
			t.Errorf("entry %d: width %d, %v, %v", i, w, img.Bounds(), err)
		}
	}
}
