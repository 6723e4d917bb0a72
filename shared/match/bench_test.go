package match

import (
	"encoding/json"
	"sync"
	"testing"
)

// National scale: every intern of a consolidation-phase round of the country.
const (
	benchInterns = 50_000
	benchPostes  = 20_000
	benchWishes  = 40
	benchSeed    = 2020
)

// The instances are generated on first use, outside the timings.
var (
	national = sync.OnceValue(func() *Instance {
		return GenerateInstance(benchSeed, benchInterns, benchPostes, benchWishes)
	})
	nationalChoix = sync.OnceValue(func() *Instance {
		return GenerateChoixAuRang(benchSeed, benchInterns, benchPostes, benchWishes)
	})
)

func mustCompile(b *testing.B, inst *Instance) *Compiled {
	b.Helper()
	c, err := Compile(inst)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkDeferredAcceptance runs a national-scale appariement from the Instance: indexing
// and validation, deferred acceptance, and the sorted Result.
func BenchmarkDeferredAcceptance(b *testing.B) {
	inst := national()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DeferredAcceptance(inst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeferredAcceptanceCompiled runs the algorithm alone on a compiled instance, as a
// repeated simulation would.
func BenchmarkDeferredAcceptanceCompiled(b *testing.B) {
	inst := national()
	c := mustCompile(b, inst)
	b.ReportAllocs()
	for b.Loop() {
		c.DeferredAcceptance()
	}
}

// BenchmarkSerialDictatorship runs a national-scale choix au rang from the Instance.
func BenchmarkSerialDictatorship(b *testing.B) {
	inst := nationalChoix()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SerialDictatorship(inst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSerialDictatorship40k is the "simulation des choix" for 40,000 interns: the
// instance is compiled once, then each run replays the call list.
func BenchmarkSerialDictatorship40k(b *testing.B) {
	c := mustCompile(b, GenerateChoixAuRang(benchSeed, 40_000, 16_000, benchWishes))
	b.ReportAllocs()
	for b.Loop() {
		c.SerialDictatorship()
	}
}

// BenchmarkDecodeInstance decodes and validates the national-scale instance from JSON.
func BenchmarkDecodeInstance(b *testing.B) {
	inst := national()
	data, err := json.Marshal(inst)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeInstance(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck proves the national-scale appariement result valid.
func BenchmarkCheck(b *testing.B) {
	inst := national()
	c := mustCompile(b, inst)
	res := c.Result(c.DeferredAcceptance())
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Check(res); err != nil {
			b.Fatal(err)
		}
	}
}

// nationalJSON is the national-scale instance as the generator command writes it.
// It is generated apart from national, so that a benchmark of the bytes alone does not
// keep millions of strings in the heap for the collector to scan.
var nationalJSON = sync.OnceValue(func() []byte {
	data, err := EncodeInstance(GenerateInstance(benchSeed, benchInterns, benchPostes, benchWishes))
	if err != nil {
		panic(err)
	}
	return data
})

// BenchmarkDecodeCompiled decodes, validates and compiles the national-scale instance from
// its bytes with the fast path, as the match command does.
func BenchmarkDecodeCompiled(b *testing.B) {
	data := nationalJSON()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCompiled(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile validates and indexes the national-scale Instance (no JSON), as the
// server does with the input it froze.
func BenchmarkCompile(b *testing.B) {
	inst := national()
	b.ReportAllocs()
	for b.Loop() {
		mustCompile(b, inst)
	}
}

// BenchmarkResult turns the national matching into the sorted exchange form.
func BenchmarkResult(b *testing.B) {
	c := mustCompile(b, national())
	m := c.DeferredAcceptance()
	b.ReportAllocs()
	for b.Loop() {
		c.Result(m)
	}
}

// BenchmarkEncodeResult encodes the national result.
func BenchmarkEncodeResult(b *testing.B) {
	c := mustCompile(b, national())
	res := c.Result(c.DeferredAcceptance())
	data, _ := EncodeResult(res)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeResult(res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeResult decodes the national result, as match -check does.
func BenchmarkDecodeResult(b *testing.B) {
	c := mustCompile(b, national())
	data, err := EncodeResult(c.Result(c.DeferredAcceptance()))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResult(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromFile is the whole match command without the file system: decode and
// compile the bytes, run deferred acceptance, and encode the sorted result.
func BenchmarkFromFile(b *testing.B) {
	data := nationalJSON()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := DecodeCompiled(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeResult(c.Result(c.Run())); err != nil {
			b.Fatal(err)
		}
	}
}
