# Appariement's usual tasks; the scripts hold the logic.
.PHONY: test bench fuzz-smoke loadtest crashtest faulttest clustertest release wine-smoke walk

test:
	./scripts/test

bench:
	./scripts/bench

fuzz-smoke:
	./scripts/fuzz-smoke

loadtest:
	go run ./syncserver/lab loadtest -interns 20000 -window 60s

crashtest:
	go run ./syncserver/lab crashtest -kills 5 -interns 2000

faulttest:
	go run ./syncserver/lab faulttest -requests 10000

# PostgreSQL primary + synchronous standby, two API node processes, kill -9
# of one node then of the primary under a burst: prints receipts, lost (0),
# the RTO, submissions/s (the short in-process version is in go test ./...).
clustertest:
	go run ./syncserver/lab clustertest -interns 200 -each 10

# Windows zip, Linux archive and .deb, server package, signed SHA256SUMS in dist/.
release:
	./scripts/release

# The Windows build of dist/ under Wine on Xvfb: first screen, À propos, enrollment and a signed wish list.
wine-smoke:
	./scripts/wine-smoke

# The three roles walked through the real app on the demo under Xvfb
# (xdotool, OCR), a screenshot per step in docs/screenshots/walk-*.png.
walk:
	./scripts/walk
