package match

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// loop runs f b.N times and reports, beside the wall time, the CPU time (user and system)
// of the process per run as cpu-ms/op: on a machine shared with other jobs the wall time
// measures the others too, the CPU time far less. Run on one core (-cpu 1) so that the
// collector's share is counted as it is in the command.
func loop(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	start, n := time.Duration(0), 0
	for b.Loop() {
		if n == 0 {
			start = cpuTime()
		}
		f()
		n++
	}
	if n > 0 && start > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
	}
}

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
	loop(b, func() {
		if _, err := DeferredAcceptance(inst); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkDeferredAcceptanceCompiled runs the algorithm alone on a compiled instance, as a
// repeated simulation would.
func BenchmarkDeferredAcceptanceCompiled(b *testing.B) {
	inst := national()
	c := mustCompile(b, inst)
	loop(b, func() {
		c.DeferredAcceptance()
	})
}

// BenchmarkSerialDictatorship runs a national-scale choix au rang from the Instance.
func BenchmarkSerialDictatorship(b *testing.B) {
	inst := nationalChoix()
	loop(b, func() {
		if _, err := SerialDictatorship(inst); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSerialDictatorship40k is the "simulation des choix" for 40,000 interns: the
// instance is compiled once, then each run replays the call list.
func BenchmarkSerialDictatorship40k(b *testing.B) {
	c := mustCompile(b, GenerateChoixAuRang(benchSeed, 40_000, 16_000, benchWishes))
	loop(b, func() {
		c.SerialDictatorship()
	})
}

// BenchmarkDecodeInstance decodes and validates the national-scale instance from JSON.
func BenchmarkDecodeInstance(b *testing.B) {
	inst := national()
	data, err := json.Marshal(inst)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	loop(b, func() {
		if _, err := DecodeInstance(data); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkCheck proves the national-scale appariement result valid.
func BenchmarkCheck(b *testing.B) {
	inst := national()
	c := mustCompile(b, inst)
	res := c.Result(c.DeferredAcceptance())
	loop(b, func() {
		if err := c.Check(res); err != nil {
			b.Fatal(err)
		}
	})
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
	loop(b, func() {
		if _, err := DecodeCompiled(data); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkCompile validates and indexes the national-scale Instance (no JSON), as the
// server does with the input it froze.
func BenchmarkCompile(b *testing.B) {
	inst := national()
	loop(b, func() {
		mustCompile(b, inst)
	})
}

// BenchmarkResult turns the national matching into the sorted exchange form.
func BenchmarkResult(b *testing.B) {
	c := mustCompile(b, national())
	m := c.DeferredAcceptance()
	loop(b, func() {
		c.Result(m)
	})
}

// BenchmarkEncodeResult encodes the national result.
func BenchmarkEncodeResult(b *testing.B) {
	c := mustCompile(b, national())
	res := c.Result(c.DeferredAcceptance())
	data, _ := EncodeResult(res)
	b.SetBytes(int64(len(data)))
	loop(b, func() {
		if _, err := EncodeResult(res); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkDecodeResult decodes the national result, as match -check does.
func BenchmarkDecodeResult(b *testing.B) {
	c := mustCompile(b, national())
	data, err := EncodeResult(c.Result(c.DeferredAcceptance()))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	loop(b, func() {
		if _, err := DecodeResult(data); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFromFile is the whole match command without the file system: decode and
// compile the bytes, run deferred acceptance, and encode the sorted result.
func BenchmarkFromFile(b *testing.B) {
	data := nationalJSON()
	b.SetBytes(int64(len(data)))
	loop(b, func() {
		c, err := DecodeCompiled(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeResult(c.Result(c.Run())); err != nil {
			b.Fatal(err)
		}
	})
}
