package whynot

import (
	"fmt"

	"appariement/shared/domain"
)

// French renders a reason in plain French, addressed to the intern, e.g.
// "ce poste a été pourvu par 2 internes que le RTS a classés avant vous
// (dernier retenu : rang 7 ; vous : rang 9)".
func French(w domain.WhyNot) string {
	switch w.Kind {
	case domain.WhyFilled:
		if w.Tied && w.Filled <= 1 {
			return fmt.Sprintf("ce poste a été pourvu par %d interne que le RTS a classé ex aequo avec vous au rang %d, départagé(e) par le tirage au sort publié (dernier retenu : rang %d ; vous : rang %d)",
				w.Filled, w.YourRank, w.LastRank, w.YourRank)
		}
		if w.Tied {
			return fmt.Sprintf("ce poste a été pourvu par %d internes que le RTS a classés avant vous ou ex aequo avec vous au rang %d, départagés par le tirage au sort publié (dernier retenu : rang %d ; vous : rang %d)",
				w.Filled, w.YourRank, w.LastRank, w.YourRank)
		}
		// French uses the singular for 0 and 1.
		if w.Filled <= 1 {
			return fmt.Sprintf("ce poste a été pourvu par %d interne que le RTS a classé avant vous (dernier retenu : rang %d ; vous : rang %d)",
				w.Filled, w.LastRank, w.YourRank)
		}
		return fmt.Sprintf("ce poste a été pourvu par %d internes que le RTS a classés avant vous (dernier retenu : rang %d ; vous : rang %d)",
			w.Filled, w.LastRank, w.YourRank)
	case domain.WhyNotRanked:
		return "le RTS ne vous a pas classé"
	case domain.WhyNoRanking:
		return "le RTS n'a signé aucun classement pour ce poste, qui ne retient donc personne"
	case domain.WhyTaken:
		if w.Partner != "" && w.LastRank == w.YourRank {
			return fmt.Sprintf("la dernière place a été prise par votre binôme %s, qui choisissait avant vous sur sa propre liste (rang %d), aucune paire de votre liste commune n'étant libre", w.Partner, w.YourRank)
		}
		if w.Partner != "" {
			return fmt.Sprintf("le dernier poste a été pris au rang %d, avant le tour de votre binôme avec %s (rang %d)", w.LastRank, w.Partner, w.YourRank)
		}
		return fmt.Sprintf("le dernier poste a été pris au rang %d, avant votre tour (rang %d)", w.LastRank, w.YourRank)
	case domain.WhyBinome:
		return fmt.Sprintf("vous avez choisi en binôme avec %s au rang %d : votre binôme a obtenu la paire n° %d de votre liste commune, qui passe avant vos vœux personnels", w.Partner, w.YourRank, w.Pair)
	case domain.WhyClosed:
		return "ce poste n'était plus ouvert dans ce tour (retiré, ou plus de place après un tour précédent)"
	case domain.WhyAbsent:
		return "vous étiez absent à l'appel : vous n'avez choisi aucun poste"
	}
	return fmt.Sprintf("raison inconnue (%q)", w.Kind)
}

// English renders a reason in plain English, e.g. "this poste was filled by
// 2 interns the RTS ranked before you (last admitted: rank 7; you: rank 9)".
func English(w domain.WhyNot) string {
	switch w.Kind {
	case domain.WhyFilled:
		noun := "interns"
		if w.Filled == 1 {
			noun = "intern"
		}
		if w.Tied && w.Filled == 1 {
			return fmt.Sprintf("this poste was filled by 1 intern the RTS ranked ex aequo with you at rank %d, the tie broken by the published draw (last admitted: rank %d; you: rank %d)",
				w.YourRank, w.LastRank, w.YourRank)
		}
		if w.Tied {
			return fmt.Sprintf("this poste was filled by %d %s the RTS ranked before you or ex aequo with you at rank %d, the tie broken by the published draw (last admitted: rank %d; you: rank %d)",
				w.Filled, noun, w.YourRank, w.LastRank, w.YourRank)
		}
		return fmt.Sprintf("this poste was filled by %d %s the RTS ranked before you (last admitted: rank %d; you: rank %d)",
			w.Filled, noun, w.LastRank, w.YourRank)
	case domain.WhyNotRanked:
		return "the RTS did not rank you"
	case domain.WhyNoRanking:
		return "the RTS signed no ranking for this poste, which therefore accepts nobody"
	case domain.WhyTaken:
		if w.Partner != "" && w.LastRank == w.YourRank {
			return fmt.Sprintf("the last place was taken by your binôme %s, who chose before you from their own list (rank %d), no pair of your joint list being free", w.Partner, w.YourRank)
		}
		if w.Partner != "" {
			return fmt.Sprintf("the last place was taken at rank %d, before the turn of your binôme with %s (rank %d)", w.LastRank, w.Partner, w.YourRank)
		}
		return fmt.Sprintf("the last place was taken at rank %d, before your turn (rank %d)", w.LastRank, w.YourRank)
	case domain.WhyBinome:
		return fmt.Sprintf("you chose as a binôme with %s at rank %d: your binôme obtained pair no. %d of your joint list, which comes before your own wishes", w.Partner, w.YourRank, w.Pair)
	case domain.WhyClosed:
		return "this poste was no longer open in this round (withdrawn, or no place left after an earlier round)"
	case domain.WhyAbsent:
		return "you were absent at the call: you chose no poste"
	}
	return fmt.Sprintf("unknown reason (%q)", w.Kind)
}

// Text renders a reason in lang ("fr" or "en"; anything else is French).
func Text(w domain.WhyNot, lang string) string {
	if lang == "en" {
		return English(w)
	}
	return French(w)
}
