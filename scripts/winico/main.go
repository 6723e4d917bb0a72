// Command winico writes a Windows icon (.ico) from a PNG: the sizes Windows
// asks for (16 to 256 px), each entry a PNG, as Windows Vista and later read
// them. scripts/release uses it for the executable's icon resource.
//
//	go run ./scripts/winico -in assets/icon.png -out build/icon.ico
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"

	"golang.org/x/image/draw"
)

var sizes = []int{16, 24, 32, 48, 64, 128, 256}

func main() {
	in := flag.String("in", "assets/icon.png", "PNG source (square)")
	out := flag.String("out", "icon.ico", "icon file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winico:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	ico, err := encode(src)
	if err != nil {
		return err
	}
	return os.WriteFile(out, ico, 0o644)
}

// encode returns the ICO file: ICONDIR, one ICONDIRENTRY per size, then
// the PNG images.
func encode(src image.Image) ([]byte, error) {
	var imgs [][]byte
	for _, s := range sizes {
		dst := image.NewNRGBA(image.Rect(0, 0, s, s))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return nil, fmt.Errorf("png %d: %w", s, err)
		}
		imgs = append(imgs, b.Bytes())
	}
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	le([3]uint16{0, 1, uint16(len(sizes))}) // reserved, type icon, count
	offset := 6 + 16*len(sizes)
	for i, s := range sizes {
		dim := uint8(s)
		if s >= 256 {
			dim = 0 // 0 means 256
		}
		le([4]uint8{dim, dim, 0, 0}) // width, height, palette, reserved
		le([2]uint16{1, 32})         // planes, bits per pixel
		le([2]uint32{uint32(len(imgs[i])), uint32(offset)})
		offset += len(imgs[i])
	}
	for _, img := range imgs {
		b.Write(img)
	}
	return b.Bytes(), nil
}
