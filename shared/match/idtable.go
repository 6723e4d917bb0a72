package match

// idTable numbers the ids of one kind (postes or interns) and finds the number of an id: an
// open-addressing hash table over the ids stored end to end in one buffer, so that a national
// instance needs no map and no string per id while it is decoded. Id i is
// buf[end[i-1]:end[i]], with the value val[i] (the index of the poste or intern it names);
// slots hold the id's hash in the high 32 bits and i+1 in the low ones, 0 for an empty slot.
type idTable struct {
	buf   []byte
	end   []int32
	val   []int32
	slots []uint64
	mask  uint32
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
	t.slots = make([]uint64, size)
	t.mask = uint32(size - 1)
	for i := range t.end {
		t.place(hashID(t.id(i)), int32(i))
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

func (t *idTable) place(h uint32, i int32) {
	for j := mix(h) & t.mask; ; j = (j + 1) & t.mask {
		if t.slots[j] == 0 {
			t.slots[j] = uint64(h)<<32 | uint64(i+1)
			return
		}
	}
}

// findID returns the value of the id s with hash h (hashID(s)), or -1 when s is not in t.
func findID[S ~string | ~[]byte](t *idTable, s S, h uint32) int32 {
	for j := mix(h) & t.mask; ; j = (j + 1) & t.mask {
		v := t.slots[j]
		if v == 0 {
			return -1
		}
		if uint32(v>>32) == h {
			if i := int(uint32(v)) - 1; string(t.id(i)) == string(s) {
				return t.val[i]
			}
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
		t.place(h, int32(len(t.end)-1))
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
