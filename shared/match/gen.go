package match

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"

	"appariement/shared/draw"
)

// GenerateInstance returns a random appariement instance, the same for the same arguments on
// any machine, for tests, benchmarks, load tests and simulations. It has nPostes postes
// ("P00001"...) with 1 to 5 places, and nInterns interns ("I000001"...) each listing
// min(nWishes, nPostes) distinct postes. Postes are unequally popular: a few are listed by
// many interns, most by few. Each poste ranks every intern who listed it, by a global score
// of the intern plus a smaller poste-specific opinion.
func GenerateInstance(seed uint64, nInterns, nPostes, nWishes int) *Instance {
	return generate(seed, nInterns, nPostes, nWishes, ProcedureAppariement)
}

// GenerateChoixAuRang returns a random choix-au-rang instance built like GenerateInstance,
// with a call list in decreasing order of the interns' scores instead of rankings.
func GenerateChoixAuRang(seed uint64, nInterns, nPostes, nWishes int) *Instance {
	return generate(seed, nInterns, nPostes, nWishes, ProcedureChoixAuRang)
}

// Ties are the options of GenerateWithTies: the share of ex aequo in the generated lists.
type Ties struct {
	// Rankings is the probability that a candidate of a ranking is ex aequo with the one
	// before it (0: strict rankings, 1: each ranking one tie group).
	Rankings float64
	// Wishes is the probability that a wish is ex aequo with the one before it (0: strict
	// wish lists).
	Wishes float64
}

// GenerateWithTies returns the instance of GenerateInstance (proc ProcedureAppariement) or
// GenerateChoixAuRang (ProcedureChoixAuRang) for the same arguments, with the same lists in
// the same order, plus ranks drawn with the probabilities of ties (a choix au rang has no
// rankings, so only Wishes applies) and a TieBreak derived from seed with draw.Seed. The
// ties come from a random stream of their own: with zero probabilities the lists are those
// of GenerateInstance, with a TieBreak and no ranks.
func GenerateWithTies(seed uint64, nInterns, nPostes, nWishes int, proc Procedure, ties Ties) *Instance {
	inst := generate(seed, nInterns, nPostes, nWishes, proc)
	rng := rand.New(rand.NewPCG(seed, 0x7469657321)) // "ties!"
	ranks := func(n int, p float64) []int {
		if n == 0 || p <= 0 {
			return nil
		}
		r := make([]int, n)
		r[0] = 1
		for j := 1; j < n; j++ {
			r[j] = r[j-1] + 1
			if rng.Float64() < p {
				r[j] = r[j-1]
			}
		}
		return r
	}
	for i := range inst.Interns {
		inst.Interns[i].Ranks = ranks(len(inst.Interns[i].Wishes), ties.Wishes)
	}
	for k := range inst.Rankings {
		inst.Rankings[k].Ranks = ranks(len(inst.Rankings[k].Ranking), ties.Rankings)
	}
	var secret [8]byte
	binary.BigEndian.PutUint64(secret[:], seed)
	inst.TieBreak = draw.Seed(secret[:], "generated")
	return inst
}

func generate(seed uint64, nInterns, nPostes, nWishes int, proc Procedure) *Instance {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	nInterns, nPostes = max(nInterns, 0), max(nPostes, 0)
	nWishes = max(0, min(nWishes, nPostes))
	inst := &Instance{
		Postes:  make([]Poste, nPostes),
		Interns: make([]Intern, nInterns),
	}
	if proc != ProcedureAppariement {
		inst.Procedure = proc
	}
	pw := len(fmt.Sprint(nPostes))
	for p := range inst.Postes {
		inst.Postes[p] = Poste{ID: fmt.Sprintf("P%0*d", pw, p+1), Capacity: 1 + rng.IntN(5)}
	}
	// popular[0] is the most popular poste; drawing u² skews choices towards the front.
	popular := rng.Perm(nPostes)
	score := make([]float64, nInterns)
	listedBy := make([][]int32, nPostes)
	stamp := make([]int, nPostes)
	iw := len(fmt.Sprint(nInterns))
	for i := range inst.Interns {
		score[i] = rng.Float64()
		wishes := make([]string, 0, nWishes)
		for tries := 0; len(wishes) < nWishes; tries++ {
			var p int
			if tries < 50*nWishes {
				u := rng.Float64()
				p = popular[int(u*u*float64(nPostes))]
			} else { // rare: fill up in order of popularity
				p = popular[(tries-50*nWishes)%nPostes]
			}
			if stamp[p] == i+1 {
				continue
			}
			stamp[p] = i + 1
			wishes = append(wishes, inst.Postes[p].ID)
			listedBy[p] = append(listedBy[p], int32(i))
		}
		inst.Interns[i] = Intern{ID: fmt.Sprintf("I%0*d", iw, i+1), Wishes: wishes}
	}
	if proc == ProcedureChoixAuRang {
		order := make([]int, nInterns)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(score[b], score[a]), cmp.Compare(a, b)) })
		inst.CallList = make([]string, nInterns)
		for t, i := range order {
			inst.CallList[t] = inst.Interns[i].ID
		}
		return inst
	}
	type entry struct {
		key    float64
		intern int32
	}
	inst.Rankings = make([]Ranking, 0, nPostes)
	var entries []entry
	for p, listed := range listedBy {
		entries = entries[:0]
		for _, i := range listed {
			entries = append(entries, entry{score[i] + 0.3*rng.Float64(), i})
		}
		slices.SortFunc(entries, func(a, b entry) int {
			return cmp.Or(cmp.Compare(b.key, a.key), cmp.Compare(a.intern, b.intern))
		})
		ranking := make([]string, len(entries))
		for r, e := range entries {
			ranking[r] = inst.Interns[e.intern].ID
		}
		inst.Rankings = append(inst.Rankings, Ranking{Poste: inst.Postes[p].ID, Ranking: ranking})
	}
	return inst
}
