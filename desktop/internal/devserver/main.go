// Command devserver runs the desktop app's fake server (package fakeserver)
// with a generated national catalogue, for trying the app and taking
// screenshots without the real server:
//
//	go run ./desktop/internal/devserver -postes 20000
//
// It prints the server address and an intern's activation code, then reads
// commands on standard input: "down", "up", "publish POSTE" (assign the
// intern to POSTE and publish the round), "quit".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"appariement/desktop/internal/fakeserver"
	"appariement/shared/domain"
)

func main() {
	n := flag.Int("postes", 20000, "number of postes in the catalogue")
	flag.Parse()
	me := domain.Person{ID: "i-durand", Role: domain.RoleIntern, FirstName: "Léa", LastName: "DURAND",
		Email: "lea.durand@etu.example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: 12}
	srv := fakeserver.New([]domain.Person{me}, map[string]string{me.ID: "7Q4K-2M9P"})
	round := domain.Round{ID: "choix-2026-11", Name: "Choix de novembre 2026", Procedure: domain.ChoixAuRang, Number: 1,
		State: domain.StateWishesOpen, WishesOpen: time.Now().Add(-48 * time.Hour), WishesClose: time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)}
	srv.SetRound(round)
	postes := generate(*n)
	srv.PutPostes(round.ID, postes...)
	fmt.Printf("server %s\nidentifier %s\ncode %s\npostes %d\n", srv.URL, me.ID, "7Q4K-2M9P", len(postes))
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "down", "up":
			srv.Lock()
			srv.Down = f[0] == "down"
			srv.Unlock()
		case "publish":
			if len(f) == 2 {
				srv.Publish(round.ID, map[string]string{me.ID: f[1]})
			}
		case "quit":
			srv.Close()
			return
		}
		fmt.Println("ok", f[0])
	}
	select {}
}
