package match

// idTable numbers the ids of one kind (postes or interns) and finds the number of an id: an
// open-addressing hash table, so that a national instance needs no map and no string per id
// while it is decoded. The ids are stored end to end in one buffer: id i is
// buf[end[i-1]:end[i]], with the value val[i] (the index of the poste or intern it names).
// Each slot holds an id's hash and value and, for an id of up to inlineID bytes (the usual
// ones, such as I000123), the id itself, so that a lookup reads one cache line of a table
// small enough for the processor's caches: at national scale, reading the slots from main
// memory is most of the decoding time.
type idTable struct {
	buf   []byte
	end   []int32
	val   []int32
	slots []idSlot
	mask  uint32
}

// inlineID is the longest id kept in its slot.
const inlineID = 7

// idSlot is one slot of an idTable (16 bytes): empty when n is 0. A slot of a longer id
// holds its first inlineID bytes, n is inlineID+2 and val is the id's number in the buffer.
type idSlot struct {
	hash uint32
	val  int32
	key  [inlineID]byte
	n    uint8 // 1 + the id's length (at most inlineID+2), 0 for an empty slot
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
		t.place(hashID(t.id(i)), i)
	}
}

// fnv32 are the FNV-1a parameters of hashID; the decoder hashes id bytes as it scans them.
const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

// hashID is the FNV-1a hash of an id, finished by mix in the lookups.
func hashID[S ~string | ~[]byte](s S) uint32 {
	h := fnvOffset
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

// mix spreads the bits of a FNV hash so that its low bits choose the slot well.
func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x45d9f3b
	h ^= h >> 16
	return h
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

// place puts id i, of hash h, in a free slot.
func (t *idTable) place(h uint32, i int) {
	id := t.id(i)
	for j := mix(h) & t.mask; ; j = (j + 1) & t.mask {
		if sl := &t.slots[j]; sl.n == 0 {
			*sl = idSlot{hash: h, val: t.val[i], n: uint8(min(len(id), inlineID+1) + 1)}
			copy(sl.key[:], id)
			if len(id) > inlineID {
				sl.val = int32(i)
			}
			return
		}
	}
}

// findID returns the value of the id s with hash h (hashID(s)), or -1 when s is not in t.
func findID[S ~string | ~[]byte](t *idTable, s S, h uint32) int32 {
	n := uint8(min(len(s), inlineID+1) + 1)
	for j := mix(h) & t.mask; ; j = (j + 1) & t.mask {
		sl := &t.slots[j]
		switch {
		case sl.n == 0:
			return -1
		case sl.hash != h || sl.n != n:
		case n <= inlineID+1:
			if string(sl.key[:n-1]) == string(s) {
				return sl.val
			}
		case string(t.id(int(sl.val))) == string(s):
			return t.val[sl.val]
		}
	}
}

// addID adds the id s with hash h and value v, unless s is already there: it returns the
// value of s and whether it was added.
func addID[S ~string | ~[]byte](t *idTable, s S, h uint32, v int32) (int32, bool) {
	if old := findID(t, s, h); old >= 0 {
		return old, false
	}
	t.buf = append(t.buf, s...)
	t.end = append(t.end, int32(len(t.buf)))
	t.val = append(t.val, v)
	if 2*len(t.end) > len(t.slots) {
		t.resize(len(t.end))
	} else {
		t.place(h, len(t.end)-1)
	}
	return v, true
}

// lookup returns the value of id s, or 0 and false when s is not in t (as a map would).
func (t *idTable) lookup(s string) (int32, bool) {
	if v := findID(t, s, hashID(s)); v >= 0 {
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
