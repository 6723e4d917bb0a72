package demodata

import "strings"

// specialty is what the generator knows of a DES: its weight (roughly the
// number of interns of a year), the share of its postes in a CHU (percent),
// and the services that train its interns.
type specialty struct {
	code     string
	weight   int
	chuShare int
	services []string
}

// specialties covers the 44 DES of domain.DESList.
var specialties = []specialty{
	{"ALLERGO", 30, 90, []string{"Service d'allergologie", "Unité d'allergologie pédiatrique", "Pneumologie et allergologie"}},
	{"ACP", 70, 90, []string{"Service d'anatomie et cytologie pathologiques", "Laboratoire de pathologie"}},
	{"MAR", 480, 60, []string{"Anesthésie-réanimation chirurgicale", "Réanimation polyvalente", "Bloc opératoire central", "Anesthésie obstétricale"}},
	{"BIOMED", 100, 70, []string{"Laboratoire de biochimie", "Laboratoire de microbiologie", "Laboratoire d'hématologie biologique", "Laboratoire de biologie polyvalente"}},
	{"CMF", 20, 100, []string{"Chirurgie maxillo-faciale et stomatologie", "Chirurgie maxillo-faciale"}},
	{"CO", 25, 100, []string{"Service d'odontologie et chirurgie orale", "Chirurgie orale"}},
	{"COT", 150, 60, []string{"Chirurgie orthopédique et traumatologique", "Traumatologie du sport", "Chirurgie du rachis"}},
	{"CPED", 35, 100, []string{"Chirurgie pédiatrique viscérale", "Chirurgie orthopédique pédiatrique"}},
	{"CPRE", 30, 100, []string{"Chirurgie plastique et reconstructrice", "Centre des brûlés"}},
	{"CTCV", 30, 100, []string{"Chirurgie cardiaque", "Chirurgie thoracique"}},
	{"CVASC", 30, 90, []string{"Chirurgie vasculaire", "Chirurgie vasculaire et endovasculaire"}},
	{"CVD", 130, 60, []string{"Chirurgie viscérale et digestive", "Chirurgie digestive et endocrinienne", "Chirurgie colorectale"}},
	{"DERMATO", 100, 80, []string{"Service de dermatologie", "Dermato-oncologie"}},
	{"ENDOC", 110, 70, []string{"Endocrinologie-diabétologie", "Service de nutrition", "Diabétologie"}},
	{"GENMED", 15, 100, []string{"Service de génétique médicale", "Unité de génétique clinique"}},
	{"GERIA", 150, 40, []string{"Gériatrie aiguë", "Soins de suite et de réadaptation gériatriques", "Équipe mobile de gériatrie"}},
	{"GYNMED", 80, 80, []string{"Gynécologie médicale", "Centre d'assistance médicale à la procréation"}},
	{"GYNOBS", 220, 50, []string{"Gynécologie obstétrique", "Maternité", "Salle de naissance"}},
	{"HEMATO", 90, 80, []string{"Hématologie clinique", "Hématologie et thérapie cellulaire"}},
	{"HGE", 140, 60, []string{"Hépato-gastro-entérologie", "Endoscopie digestive", "Hépatologie"}},
	{"MIT", 50, 80, []string{"Maladies infectieuses et tropicales", "Service des maladies infectieuses"}},
	{"CARDIO", 210, 60, []string{"Cardiologie", "Soins intensifs de cardiologie", "Rythmologie"}},
	{"MU", 470, 40, []string{"Urgences adultes", "SAMU – SMUR", "Urgences pédiatriques"}},
	{"MST", 90, 70, []string{"Service de santé au travail", "Centre de consultations de pathologies professionnelles"}},
	{"MG", 3500, 25, []string{"Médecine polyvalente", "Urgences adultes", "Gériatrie aiguë", "Service de pédiatrie générale"}},
	{"MIR", 80, 70, []string{"Médecine intensive-réanimation", "Réanimation médicale"}},
	{"MIIC", 120, 60, []string{"Médecine interne", "Médecine interne et immunologie clinique"}},
	{"MLEM", 30, 100, []string{"Institut médico-légal", "Unité médico-judiciaire"}},
	{"MNUC", 40, 100, []string{"Service de médecine nucléaire", "Médecine nucléaire et TEP"}},
	{"MPR", 100, 50, []string{"Médecine physique et de réadaptation", "Rééducation neurologique", "Rééducation de l'appareil locomoteur"}},
	{"MVASC", 40, 80, []string{"Médecine vasculaire", "Explorations vasculaires"}},
	{"NEPHRO", 100, 70, []string{"Néphrologie", "Hémodialyse", "Transplantation rénale"}},
	{"NCHIR", 30, 100, []string{"Neurochirurgie", "Neurochirurgie du rachis"}},
	{"NEURO", 150, 70, []string{"Neurologie", "Unité neurovasculaire", "Épileptologie"}},
	{"ONCO", 170, 80, []string{"Oncologie médicale", "Radiothérapie", "Hôpital de jour d'oncologie"}},
	{"OPHTA", 160, 80, []string{"Ophtalmologie", "Urgences ophtalmologiques"}},
	{"ORL", 90, 80, []string{"Oto-rhino-laryngologie", "Chirurgie cervico-faciale"}},
	{"PED", 340, 50, []string{"Service de pédiatrie générale", "Néonatologie", "Urgences pédiatriques", "Réanimation pédiatrique"}},
	{"PNEUMO", 130, 60, []string{"Pneumologie", "Oncologie thoracique", "Explorations fonctionnelles respiratoires"}},
	{"PSY", 500, 40, []string{"Psychiatrie adulte", "Pédopsychiatrie", "Urgences psychiatriques", "Addictologie"}},
	{"RADIO", 260, 70, []string{"Imagerie médicale", "Radiologie interventionnelle", "Neuroradiologie"}},
	{"RHUMATO", 90, 70, []string{"Rhumatologie", "Rhumatologie et pathologies osseuses"}},
	{"SP", 80, 100, []string{"Santé publique et information médicale", "Département d'épidémiologie", "Unité de recherche clinique"}},
	{"URO", 80, 70, []string{"Urologie", "Urologie et transplantation"}},
}

// etab is an établissement: a site of the subdivision's CHU or a centre
// hospitalier (CH).
type etab struct {
	name, town string
	chu        bool
}

// chu names a site of the university hospital.
func chu(name, town string) etab { return etab{name, town, true} }

// ch is the centre hospitalier of town: "CH de Meaux", "CH d'Arles", "CH du
// Havre", "CH des Sables-d'Olonne".
func ch(town string) etab {
	switch {
	case strings.HasPrefix(town, "Le "):
		return etab{"CH du " + town[3:], town, false}
	case strings.HasPrefix(town, "Les "):
		return etab{"CH des " + town[4:], town, false}
	case strings.ContainsRune("AEIOUYÉ", []rune(town)[0]):
		return etab{"CH d'" + town, town, false}
	}
	return etab{"CH de " + town, town, false}
}

// region is what the generator knows of a subdivision: its weight (roughly
// its interns), the slug of its e-mail domains and its établissements.
type region struct {
	code   string
	weight int
	slug   string
	etabs  []etab
}

// regions covers the 28 subdivisions of domain.Subdivisions.
var regions = []region{
	{"AMIENS", 170, "amiens", []etab{chu("CHU Amiens-Picardie", "Amiens"),
		ch("Abbeville"), ch("Beauvais"), ch("Compiègne"), ch("Saint-Quentin"), ch("Laon"), ch("Creil")}},
	{"ANGERS", 160, "angers", []etab{chu("CHU d'Angers", "Angers"),
		ch("Cholet"), ch("Le Mans"), ch("Laval"), ch("Saumur"), ch("Château-Gontier")}},
	{"ANTILLES", 90, "antilles-guyane", []etab{chu("CHU de Martinique", "Fort-de-France"), chu("CHU de Guadeloupe", "Pointe-à-Pitre"),
		ch("Cayenne"), etab{"CH de l'Ouest guyanais", "Saint-Laurent-du-Maroni", false}, ch("Basse-Terre"), ch("Trinité")}},
	{"BESANCON", 130, "besancon", []etab{chu("CHU de Besançon", "Besançon"),
		ch("Pontarlier"), ch("Vesoul"), ch("Lons-le-Saunier"), ch("Dole"), ch("Montbéliard")}},
	{"BORDEAUX", 300, "bordeaux", []etab{chu("CHU de Bordeaux – Hôpital Pellegrin", "Bordeaux"), chu("CHU de Bordeaux – Hôpital Haut-Lévêque", "Pessac"),
		ch("Pau"), etab{"CH de la Côte basque", "Bayonne", false}, ch("Périgueux"), ch("Agen"), ch("Mont-de-Marsan"), ch("Libourne"), ch("Dax")}},
	{"BREST", 120, "brest", []etab{chu("CHU de Brest – Hôpital de la Cavale Blanche", "Brest"),
		etab{"CH de Cornouaille", "Quimper", false}, ch("Morlaix"), ch("Landerneau"), ch("Douarnenez")}},
	{"CAEN", 170, "caen", []etab{chu("CHU de Caen", "Caen"),
		ch("Cherbourg-en-Cotentin"), ch("Saint-Lô"), ch("Alençon"), ch("Lisieux"), ch("Bayeux"), ch("Avranches")}},
	{"CLERMONT", 170, "clermont-ferrand", []etab{chu("CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied", "Clermont-Ferrand"), chu("CHU de Clermont-Ferrand – Hôpital Estaing", "Clermont-Ferrand"),
		ch("Vichy"), ch("Montluçon"), ch("Moulins"), ch("Aurillac"), ch("Le Puy-en-Velay"), ch("Riom")}},
	{"DIJON", 170, "dijon", []etab{chu("CHU Dijon Bourgogne", "Dijon"),
		ch("Chalon-sur-Saône"), ch("Mâcon"), ch("Auxerre"), ch("Nevers"), ch("Beaune"), ch("Sens")}},
	{"GRENOBLE", 200, "grenoble", []etab{chu("CHU Grenoble Alpes", "La Tronche"),
		etab{"CH Métropole Savoie", "Chambéry", false}, etab{"CH Annecy Genevois", "Annecy", false}, ch("Valence"), ch("Voiron"), ch("Montélimar")}},
	{"IDF", 1500, "paris", []etab{
		chu("CHU de Paris – Hôpital Saint-Antoine", "Paris"), chu("CHU de Paris – Hôpital Necker-Enfants malades", "Paris"),
		chu("CHU de Paris – Hôpital Bichat-Claude-Bernard", "Paris"), chu("CHU de Paris – Hôpital Henri-Mondor", "Créteil"),
		chu("CHU de Paris – Hôpital Bicêtre", "Le Kremlin-Bicêtre"), chu("CHU de Paris – Hôpital Avicenne", "Bobigny"),
		chu("CHU de Paris – Hôpital Ambroise-Paré", "Boulogne-Billancourt"),
		ch("Provins"), etab{"CH François Quesnay", "Mantes-la-Jolie", false}, ch("Meaux"), ch("Melun"),
		etab{"CH René-Dubos", "Pontoise", false}, ch("Versailles"), ch("Argenteuil"), etab{"CH Sud Francilien", "Corbeil-Essonnes", false}}},
	{"LILLE", 420, "lille", []etab{chu("CHU de Lille – Hôpital Claude-Huriez", "Lille"), chu("CHU de Lille – Hôpital Roger-Salengro", "Lille"),
		chu("CHU de Lille – Hôpital Jeanne-de-Flandre", "Lille"),
		ch("Roubaix"), ch("Tourcoing"), ch("Valenciennes"), ch("Dunkerque"), ch("Arras"), ch("Boulogne-sur-Mer"), ch("Lens"), ch("Calais")}},
	{"LIMOGES", 110, "limoges", []etab{chu("CHU de Limoges – Hôpital Dupuytren", "Limoges"),
		ch("Brive-la-Gaillarde"), ch("Guéret"), ch("Tulle"), ch("Saint-Junien"), ch("Ussel")}},
	{"LYON", 400, "lyon", []etab{chu("Hospices civils de Lyon – Hôpital Édouard-Herriot", "Lyon"), chu("Hospices civils de Lyon – Hôpital de la Croix-Rousse", "Lyon"),
		chu("Hospices civils de Lyon – Hôpital Femme-Mère-Enfant", "Bron"), chu("Hospices civils de Lyon – Centre hospitalier Lyon-Sud", "Pierre-Bénite"),
		ch("Villefranche-sur-Saône"), ch("Bourg-en-Bresse"), ch("Givors"), ch("Tarare"), ch("Oyonnax"), etab{"CH Le Vinatier", "Bron", false}}},
	{"MARSEILLE", 380, "marseille", []etab{chu("AP-HM – Hôpital de la Timone", "Marseille"), chu("AP-HM – Hôpital Nord", "Marseille"),
		chu("AP-HM – Hôpital de la Conception", "Marseille"),
		ch("Aix-en-Provence"), ch("Avignon"), etab{"CHI Toulon La Seyne-sur-Mer", "Toulon", false}, ch("Gap"), ch("Arles"),
		ch("Martigues"), ch("Ajaccio"), ch("Bastia")}},
	{"MONTPELLIER", 250, "montpellier", []etab{chu("CHU de Montpellier – Hôpital Lapeyronie", "Montpellier"), chu("CHU de Nîmes", "Nîmes"),
		ch("Perpignan"), ch("Béziers"), ch("Narbonne"), ch("Alès"), ch("Sète"), ch("Carcassonne")}},
	{"NANCY", 230, "nancy", []etab{chu("CHRU de Nancy – Hôpital central", "Nancy"), chu("CHRU de Nancy – Hôpitaux de Brabois", "Vandœuvre-lès-Nancy"),
		etab{"CHR Metz-Thionville", "Metz", false}, ch("Thionville"), ch("Épinal"), ch("Verdun"), ch("Bar-le-Duc"), ch("Sarreguemines")}},
	{"NANTES", 220, "nantes", []etab{chu("CHU de Nantes – Hôtel-Dieu", "Nantes"),
		ch("Saint-Nazaire"), etab{"CHD Vendée", "La Roche-sur-Yon", false}, ch("Châteaubriant"), ch("Les Sables-d'Olonne"), ch("Ancenis")}},
	{"NICE", 150, "nice", []etab{chu("CHU de Nice – Hôpital Pasteur", "Nice"), chu("CHU de Nice – Hôpital de l'Archet", "Nice"),
		ch("Cannes"), ch("Antibes"), ch("Grasse"), ch("Menton"), ch("Fréjus")}},
	{"OCEANINDIEN", 80, "reunion", []etab{chu("CHU de La Réunion – site Félix-Guyon", "Saint-Denis"), chu("CHU de La Réunion – site Sud", "Saint-Pierre"),
		etab{"CH Ouest Réunion", "Saint-Paul", false}, etab{"GH Est Réunion", "Saint-Benoît", false}, etab{"CH de Mayotte", "Mamoudzou", false}, ch("Saint-André")}},
	{"POITIERS", 160, "poitiers", []etab{chu("CHU de Poitiers", "Poitiers"),
		ch("La Rochelle"), ch("Niort"), ch("Angoulême"), ch("Saintes"), ch("Rochefort"), ch("Châtellerault")}},
	{"REIMS", 160, "reims", []etab{chu("CHU de Reims – Hôpital Robert-Debré", "Reims"),
		ch("Charleville-Mézières"), ch("Troyes"), ch("Châlons-en-Champagne"), ch("Épernay"), ch("Chaumont"), ch("Saint-Dizier")}},
	{"RENNES", 200, "rennes", []etab{chu("CHU de Rennes – Hôpital Pontchaillou", "Rennes"),
		etab{"CH Yves-Le-Foll", "Saint-Brieuc", false}, etab{"CH Bretagne Atlantique", "Vannes", false}, ch("Saint-Malo"), ch("Pontivy"), ch("Vitré"), ch("Fougères")}},
	{"ROUEN", 200, "rouen", []etab{chu("CHU de Rouen – Hôpital Charles-Nicolle", "Rouen"),
		ch("Le Havre"), ch("Évreux"), ch("Dieppe"), ch("Elbeuf"), ch("Vernon")}},
	{"STETIENNE", 120, "saint-etienne", []etab{chu("CHU de Saint-Étienne – Hôpital Nord", "Saint-Priest-en-Jarez"),
		ch("Roanne"), ch("Montbrison"), ch("Firminy"), ch("Annonay")}},
	{"STRASBOURG", 230, "strasbourg", []etab{chu("Hôpitaux universitaires de Strasbourg – Nouvel Hôpital civil", "Strasbourg"),
		chu("Hôpitaux universitaires de Strasbourg – Hôpital de Hautepierre", "Strasbourg"),
		ch("Colmar"), ch("Mulhouse"), ch("Haguenau"), ch("Sélestat"), ch("Saverne")}},
	{"TOULOUSE", 300, "toulouse", []etab{chu("CHU de Toulouse – Hôpital Purpan", "Toulouse"), chu("CHU de Toulouse – Hôpital Rangueil", "Toulouse"),
		ch("Montauban"), ch("Albi"), ch("Tarbes"), ch("Rodez"), ch("Cahors"), ch("Auch"), ch("Castres")}},
	{"TOURS", 200, "tours", []etab{chu("CHRU de Tours – Hôpital Bretonneau", "Tours"), chu("CHRU de Tours – Hôpital Trousseau", "Chambray-lès-Tours"),
		ch("Orléans"), ch("Blois"), ch("Chartres"), ch("Bourges"), ch("Châteauroux"), ch("Dreux")}},
}

// Sentences of the postes' descriptions: one of each list.
var (
	activities = []string{
		"Activité d'hospitalisation complète et de consultation.",
		"Prise en charge des patients de l'admission à la sortie.",
		"Activité mixte : hôpital de jour et consultations.",
		"Participation aux avis spécialisés dans l'établissement.",
		"Forte activité de recours régional.",
		"Travail en équipe pluriprofessionnelle, lien étroit avec la ville.",
		"Unité de soins continus attenante.",
	}
	supervision = []string{
		"Encadrement par deux séniors, staff hebdomadaire.",
		"Une garde par semaine en moyenne, repos de sécurité respecté.",
		"Participation aux réunions de concertation pluridisciplinaire.",
		"Logement possible à l'internat.",
		"Formation par la simulation proposée au cours du semestre.",
		"Astreintes un week-end sur quatre.",
		"Bibliographie mensuelle animée par les internes.",
	}
)

// firstNames and lastNames are common in France, of many origins.
var (
	firstNames = []string{
		"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Clara", "Lucie", "Juliette",
		"Zoé", "Louise", "Anaïs", "Mathilde", "Pauline", "Marion", "Claire", "Hélène", "Élodie", "Céline",
		"Aurélie", "Julie", "Charlotte", "Margaux", "Laura", "Marie", "Anne-Sophie", "Marie-Claire", "Noémie", "Maëlle",
		"Gaëlle", "Océane", "Justine", "Audrey", "Émilie", "Agathe", "Alice", "Jeanne", "Salomé", "Yasmine",
		"Nadia", "Leïla", "Fatoumata", "Aïssata", "Awa", "Amina", "Myriam", "Sofia", "Lina", "Chaïma",
		"Linh", "Mai", "Rose", "Solène", "Bérénice", "Thomas", "Lucas", "Hugo", "Maxime", "Antoine",
		"Nicolas", "Julien", "Alexandre", "Romain", "Clément", "Pierre", "Paul", "Louis", "Arthur", "Théo",
		"Baptiste", "Jean-Baptiste", "Pierre-Louis", "François", "Benoît", "Jérôme", "Loïc", "Yann", "Erwan", "Mathieu",
		"Guillaume", "Olivier", "Sébastien", "Vincent", "Adrien", "Quentin", "Florian", "Victor", "Gabriel", "Raphaël",
		"Noé", "Mehdi", "Karim", "Yanis", "Rayan", "Samir", "Youssef", "Ibrahima", "Moussa", "Mamadou",
		"Amadou", "Kevin", "Jordan", "Enzo", "Matteo", "Diego", "Hakim", "Nabil", "Minh", "Xavier",
		"Cédric", "Frédéric", "Stéphane", "Grégoire", "Timothée", "Aurélien", "Benjamin", "David", "Samuel", "Élie",
		"Nathan", "Gaël", "Tristan", "Côme", "Joël",
	}
	lastNames = []string{
		"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
		"Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
		"Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
		"Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier",
		"Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Pérez", "Marchand",
		"Dufour", "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
		"Fernandez", "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal",
		"Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq", "Lacroix", "Fabre", "Dupuis",
		"Olivier", "Rodriguez", "Da Silva", "Hubert", "Louis", "Charles", "Guillot", "Rivière", "Le Gall", "Guillaume",
		"Adam", "Rey", "Moulin", "Gonzalez", "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps", "Carpentier",
		"Julien", "Benoît", "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault", "Jacquet",
		"Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron", "Dupuy", "Pons", "Paul",
		"Laine", "Carré", "Breton", "Rémy", "Schneider", "Perrot", "Guyot", "Barré", "Marty", "Cousin",
		"Benali", "Haddad", "Diallo", "Traoré", "Diop", "Ben Ahmed", "Bouaziz", "Koné", "Tran", "Pham",
		"Le Goff", "Kerbrat", "Ollivier", "Etcheverry", "Santoni", "N'Diaye", "Mendy", "Cissé", "Belkacem", "Amrani",
		"Hoarau", "Payet", "Grondin", "Jean-Baptiste", "Zimmermann", "Wagner", "Kowalski", "Silva", "Ferreira", "Rossi",
		"Bianchi", "Lévy", "Cohen", "Dahan", "Dupré", "Leblanc", "Mallet", "Besson", "Hamon", "Texier",
		"Chauvin", "Bailly", "Gilbert", "Lebrun", "Tessier", "Giraudeau", "Bouvier", "Lecoq", "Bertin", "Pasquier",
	}
)
