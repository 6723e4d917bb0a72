package main

import (
	"fmt"
	"math/rand/v2"

	"appariement/shared/domain"
)

// towns are a few towns of each subdivision, the CHU's town first.
var towns = map[string][]string{
	"AMIENS": {"Amiens", "Abbeville", "Saint-Quentin"}, "ANGERS": {"Angers", "Cholet", "Le Mans"},
	"ANTILLES": {"Pointe-à-Pitre", "Fort-de-France", "Cayenne"}, "BESANCON": {"Besançon", "Belfort", "Lons-le-Saunier"},
	"BORDEAUX": {"Bordeaux", "Pau", "Périgueux"}, "BREST": {"Brest", "Quimper", "Morlaix"},
	"CAEN": {"Caen", "Cherbourg-en-Cotentin", "Alençon"}, "CLERMONT": {"Clermont-Ferrand", "Vichy", "Aurillac"},
	"DIJON": {"Dijon", "Chalon-sur-Saône", "Nevers"}, "GRENOBLE": {"Grenoble", "Chambéry", "Annecy"},
	"IDF": {"Paris", "Créteil", "Le Kremlin-Bicêtre", "Boulogne-Billancourt", "Bobigny"}, "LILLE": {"Lille", "Roubaix", "Arras"},
	"LIMOGES": {"Limoges", "Brive-la-Gaillarde", "Guéret"}, "LYON": {"Lyon", "Bron", "Pierre-Bénite", "Bourg-en-Bresse"},
	"MARSEILLE": {"Marseille", "Aix-en-Provence", "Avignon"}, "MONTPELLIER": {"Montpellier", "Nîmes", "Béziers"},
	"NANCY": {"Nancy", "Metz", "Épinal"}, "NANTES": {"Nantes", "Saint-Nazaire", "La Roche-sur-Yon"},
	"NICE": {"Nice", "Cannes", "Antibes"}, "OCEANINDIEN": {"Saint-Denis", "Saint-Pierre", "Mamoudzou"},
	"POITIERS": {"Poitiers", "La Rochelle", "Niort"}, "REIMS": {"Reims", "Charleville-Mézières", "Troyes"},
	"RENNES": {"Rennes", "Saint-Malo", "Vannes"}, "ROUEN": {"Rouen", "Le Havre", "Évreux"},
	"STETIENNE": {"Saint-Étienne", "Roanne", "Firminy"}, "STRASBOURG": {"Strasbourg", "Colmar", "Mulhouse"},
	"TOULOUSE": {"Toulouse", "Montauban", "Albi"}, "TOURS": {"Tours", "Orléans", "Blois"},
}

var firstNames = []string{"Camille", "Jordan", "Anaïs", "Thomas", "Inès", "Hugo", "Chloé", "Mehdi", "Sarah", "Julien"}
var lastNames = []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Schmitt", "Nguyen", "Girard", "Roux", "Fontaine"}

// generate returns n plausible postes over the 28 subdivisions and the 44
// DES (deterministic).
func generate(n int) []domain.Poste {
	r := rand.New(rand.NewPCG(7, 11))
	out := make([]domain.Poste, 0, n)
	count := map[string]int{}
	for len(out) < n {
		sub := domain.Subdivisions[r.IntN(len(domain.Subdivisions))]
		des := domain.DESList[r.IntN(len(domain.DESList))]
		ts := towns[sub.Code]
		k := r.IntN(len(ts))
		town := ts[k]
		etab := "CH de " + town
		if k == 0 && r.IntN(3) > 0 {
			etab = "CHU de " + town
		}
		service := "Service de " + lower(des.Name)
		count[sub.Code+des.Code]++
		rts := firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
		out = append(out, domain.Poste{
			ID:        fmt.Sprintf("P-%s-%s-%04d", sub.Code, des.Code, count[sub.Code+des.Code]),
			Specialty: des.Code, Subdivision: sub.Code, Town: town, Etablissement: etab,
			Service: service, Title: des.Name + " – " + etab,
			RTS: fmt.Sprintf("rts-%d", r.IntN(5000)), RTSName: "Dr " + rts,
			RTSEmail:    fmt.Sprintf("rts%d@%s.example.fr", r.IntN(5000), "hopital"),
			Capacity:    1 + r.IntN(3),
			Description: "Stage de six mois, participation aux gardes, encadrement par un praticien hospitalier.",
		})
	}
	return out
}

func lower(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	if rs[0] >= 'A' && rs[0] <= 'Z' {
		rs[0] += 'a' - 'A'
	}
	if rs[0] == 'É' {
		rs[0] = 'é'
	}
	return string(rs)
}
