package store

// CosignersOf returns how many registered witnesses cosigned a tree of at
// least size leaves of this log (the server checks, before storing a
// cosignature, that its tree is a prefix of its own log, so such a
// cosignature vouches for every smaller tree too).
func CosignersOf(tx Tx, size int64) (int, error) {
	ws, err := tx.Witnesses()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range ws {
		if w.Cosigned != "" && w.TreeSize >= size {
			n++
		}
	}
	return n, nil
}
