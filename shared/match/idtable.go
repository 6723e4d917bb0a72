package match

import (
	"encoding/binary"
	"math/bits"
)

// idTable numbers the ids of one kind (postes or interns) and finds the number of an id: an
// open-addressing hash table, so that a national instance needs no map and no string per id
// while it is decoded. The ids are stored end to end in one buffer: id i is
// buf[end[i-1]:end[i]], with the value val[i] (the index of the poste or intern it names).
// Each slot holds an id's key (idKey): for an id of up to shortID bytes (the usual ones,
// such as I000123), the id itself packed in one word with its length, so that a lookup
// reads one cache line and compares one word; at national scale, reading the slots is most
// of the decoding time.
type idTable struct {
	buf   []byte
	end   []int32
	val   []int32
	slots []idSlot
	mask  uint32
}

// shortID is the longest id whose bytes are its key.
const shortID = 8

// idSlot is one slot of an idTable (16 bytes), empty when tag is 0.
type idSlot struct {
	word uint64 // the key's word
	val  int32  // the id's value; for a long id, its number in the buffer
	tag  uint32 // the key's tag
}

// idKey is what a table compares: for a short id, its bytes packed in word (little endian,
// zero padded) and its length plus one in tag (1 to shortID+1); for a longer one, its first
// shortID bytes in word and its hash with the top bit set in tag, the bytes themselves
// compared in the buffer. hash chooses the slot.
type idKey struct {
	word uint64
	tag  uint32
	hash uint32
}

func (k idKey) short() bool { return k.tag <= shortID+1 }

// keyOfWord is the key of a short id of n bytes packed in w.
func keyOfWord(w uint64, n int) idKey {
	return idKey{word: w, tag: uint32(n) + 1, hash: uint32((w * 0x9e3779b97f4a7c15) >> 32)}
}

// fnv32 are the FNV-1a parameters of the hash of a long id.
const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

// keyOf returns the key of the id s.
func keyOf[S ~string | ~[]byte](s S) idKey {
	var w uint64
	for i := min(len(s), shortID) - 1; i >= 0; i-- {
		w = w<<8 | uint64(s[i])
	}
	if len(s) <= shortID {
		return keyOfWord(w, len(s))
	}
	h := fnvOffset
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	h ^= h >> 16
	h *= 0x45d9f3b
	h ^= h >> 16
	return idKey{word: w, tag: h | 1<<31, hash: h}
}

// newIDTable returns a table sized for about n ids (it grows if needed).
func newIDTable(n int) *idTable {
	t := &idTable{end: make([]int32, 0, n), val: make([]int32, 0, n)}
	t.resize(n)
	return t
}

// resize makes room for n ids at a load factor of at most one half.
func (t *idTable) resize(n int) {
	size := 8
	for size < 2*n {
		size *= 2
	}
	t.slots = make([]idSlot, size)
	t.mask = uint32(size - 1)
	for i := range t.end {
		t.place(keyOf(t.id(i)), i)
	}
}

func (t *idTable) len() int { return len(t.end) }

// id returns the bytes of id i; they must not be modified.
func (t *idTable) id(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return t.buf[start:t.end[i]]
}

// place puts id i, of key k, in a free slot.
func (t *idTable) place(k idKey, i int) {
	for j := k.hash & t.mask; ; j = (j + 1) & t.mask {
		if sl := &t.slots[j]; sl.tag == 0 {
			*sl = idSlot{word: k.word, val: t.val[i], tag: k.tag}
			if !k.short() {
				sl.val = int32(i)
			}
			return
		}
	}
}

// findID returns the value of the id s of key k (keyOf(s)), or -1 when s is not in t. For
// a short key, s is not read.
func findID[S ~string | ~[]byte](t *idTable, s S, k idKey) int32 {
	for j := k.hash & t.mask; ; j = (j + 1) & t.mask {
		sl := &t.slots[j]
		switch {
		case sl.tag == 0:
			return -1
		case sl.tag != k.tag || sl.word != k.word:
		case k.short():
			return sl.val
		case string(t.id(int(sl.val))) == string(s):
			return t.val[sl.val]
		}
	}
}

// findShort returns the value of the short id of key k, or -1 when it is not in t.
func (t *idTable) findShort(k idKey) int32 {
	for j := k.hash & t.mask; ; j = (j + 1) & t.mask {
		sl := &t.slots[j]
		if sl.word == k.word && sl.tag == k.tag {
			return sl.val
		}
		if sl.tag == 0 {
			return -1
		}
	}
}

// addID adds the id s of key k with value v, unless s is already there: it returns the
// value of s and whether it was added.
func addID[S ~string | ~[]byte](t *idTable, s S, k idKey, v int32) (int32, bool) {
	if old := findID(t, s, k); old >= 0 {
		return old, false
	}
	t.buf = append(t.buf, s...)
	t.end = append(t.end, int32(len(t.buf)))
	t.val = append(t.val, v)
	if 2*len(t.end) > len(t.slots) {
		t.resize(len(t.end))
	} else {
		t.place(k, len(t.end)-1)
	}
	return v, true
}

// lookup returns the value of id s, or 0 and false when s is not in t (as a map would).
func (t *idTable) lookup(s string) (int32, bool) {
	if v := findID(t, s, keyOf(s)); v >= 0 {
		return v, true
	}
	return 0, false
}

// strings returns the ids in order, as substrings of one string.
func (t *idTable) strings() []string {
	all := string(t.buf)
	out := make([]string, len(t.end))
	start := int32(0)
	for i, end := range t.end {
		out[i] = all[start:end]
		start = end
	}
	return out
}

// SWAR (SIMD within a register) constants and helpers for scanning 8 bytes at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// zeroBytes flags (bit 7 of each byte) the zero bytes of v; the lowest flag is exact, the
// ones above it may be false (borrows), which is all the scanner needs.
func zeroBytes(v uint64) uint64 { return (v - ones) & ^v & highs }

// scanWord looks for the end of a plain id in the 8 bytes x read at its start: it returns
// the id's length n (0 to 7) when the closing '"' is among them and no byte before it is
// outside plain printable ASCII or a '\\'; n = 8 with ok when all 8 bytes are plain (the
// id goes on); ok is false on a byte the fast path does not take.
func scanWord(x uint64) (n int, ok bool) {
	quote := zeroBytes(x ^ ('"' * ones))
	bad := ((x+ones)|x)&highs | // 0x7f and above (a carry only rises above a flagged byte)
		(x-0x20*ones)&^x&highs | // below 0x20
		zeroBytes(x^('\\'*ones))
	below := quote&-quote - 1 // the bits below the first quote, all of them without one
	return bits.TrailingZeros64(quote) >> 3, bad&below == 0
}

// load8 reads 8 bytes of data at i, which must be at most len(data)-8.
func load8(data []byte, i int) uint64 { return binary.LittleEndian.Uint64(data[i:]) }

// IDSet is a set of ids held like the decoder's id tables: at national scale (tens of
// thousands of ids, millions of lookups) a lookup reads one slot where a map[string]bool
// also reads the bytes of the key it compares. The zero IDSet is not usable: use NewIDSet.
type IDSet struct{ t *idTable }

// NewIDSet returns an empty set sized for about n ids (it grows if needed).
func NewIDSet(n int) *IDSet { return &IDSet{newIDTable(n)} }

// Add puts id in the set.
func (s *IDSet) Add(id string) { addID(s.t, id, keyOf(id), int32(s.t.len())) }

// Has reports whether id is in the set.
func (s *IDSet) Has(id string) bool { return findID(s.t, id, keyOf(id)) >= 0 }
