package domain

// DES is a "diplôme d'études spécialisées": the specialty an intern trains in.
type DES struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Subdivision is one of the 28 territorial subdivisions in which interns are
// appointed and postes are offered.
type Subdivision struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DESList is the 44 DES of the third cycle of medical studies (2017 reform).
var DESList = []DES{
	{"ALLERGO", "Allergologie"},
	{"ACP", "Anatomie et cytologie pathologiques"},
	{"MAR", "Anesthésie-réanimation"},
	{"BIOMED", "Biologie médicale"},
	{"CMF", "Chirurgie maxillo-faciale"},
	{"CO", "Chirurgie orale"},
	{"COT", "Chirurgie orthopédique et traumatologique"},
	{"CPED", "Chirurgie pédiatrique"},
	{"CPRE", "Chirurgie plastique, reconstructrice et esthétique"},
	{"CTCV", "Chirurgie thoracique et cardiovasculaire"},
	{"CVASC", "Chirurgie vasculaire"},
	{"CVD", "Chirurgie viscérale et digestive"},
	{"DERMATO", "Dermatologie et vénéréologie"},
	{"ENDOC", "Endocrinologie-diabétologie-nutrition"},
	{"GENMED", "Génétique médicale"},
	{"GERIA", "Gériatrie"},
	{"GYNMED", "Gynécologie médicale"},
	{"GYNOBS", "Gynécologie obstétrique"},
	{"HEMATO", "Hématologie"},
	{"HGE", "Hépato-gastro-entérologie"},
	{"MIT", "Maladies infectieuses et tropicales"},
	{"CARDIO", "Médecine cardiovasculaire"},
	{"MU", "Médecine d'urgence"},
	{"MST", "Médecine et santé au travail"},
	{"MG", "Médecine générale"},
	{"MIR", "Médecine intensive-réanimation"},
	{"MIIC", "Médecine interne et immunologie clinique"},
	{"MLEM", "Médecine légale et expertises médicales"},
	{"MNUC", "Médecine nucléaire"},
	{"MPR", "Médecine physique et de réadaptation"},
	{"MVASC", "Médecine vasculaire"},
	{"NEPHRO", "Néphrologie"},
	{"NCHIR", "Neurochirurgie"},
	{"NEURO", "Neurologie"},
	{"ONCO", "Oncologie"},
	{"OPHTA", "Ophtalmologie"},
	{"ORL", "Oto-rhino-laryngologie – chirurgie cervico-faciale"},
	{"PED", "Pédiatrie"},
	{"PNEUMO", "Pneumologie"},
	{"PSY", "Psychiatrie"},
	{"RADIO", "Radiologie et imagerie médicale"},
	{"RHUMATO", "Rhumatologie"},
	{"SP", "Santé publique"},
	{"URO", "Urologie"},
}

// Subdivisions is the 28 subdivisions of the internat.
var Subdivisions = []Subdivision{
	{"AMIENS", "Amiens"},
	{"ANGERS", "Angers"},
	{"ANTILLES", "Antilles-Guyane"},
	{"BESANCON", "Besançon"},
	{"BORDEAUX", "Bordeaux"},
	{"BREST", "Brest"},
	{"CAEN", "Caen"},
	{"CLERMONT", "Clermont-Ferrand"},
	{"DIJON", "Dijon"},
	{"GRENOBLE", "Grenoble"},
	{"IDF", "Île-de-France"},
	{"LILLE", "Lille"},
	{"LIMOGES", "Limoges"},
	{"LYON", "Lyon"},
	{"MARSEILLE", "Marseille"},
	{"MONTPELLIER", "Montpellier"},
	{"NANCY", "Nancy"},
	{"NANTES", "Nantes"},
	{"NICE", "Nice"},
	{"OCEANINDIEN", "Océan Indien"},
	{"POITIERS", "Poitiers"},
	{"REIMS", "Reims"},
	{"RENNES", "Rennes"},
	{"ROUEN", "Rouen"},
	{"STETIENNE", "Saint-Étienne"},
	{"STRASBOURG", "Strasbourg"},
	{"TOULOUSE", "Toulouse"},
	{"TOURS", "Tours"},
}

// LookupDES returns the DES with the given code, or nil.
func LookupDES(code string) *DES {
	for i := range DESList {
		if DESList[i].Code == code {
			return &DESList[i]
		}
	}
	return nil
}

// LookupSubdivision returns the subdivision with the given code, or nil.
func LookupSubdivision(code string) *Subdivision {
	for i := range Subdivisions {
		if Subdivisions[i].Code == code {
			return &Subdivisions[i]
		}
	}
	return nil
}
