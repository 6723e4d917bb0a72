# Appariement's usual tasks; the scripts hold the logic.
.PHONY: test bench fuzz-smoke loadtest crashtest release wine-smoke

test:
	./scripts/test

bench:
	./scripts/bench

fuzz-smoke:
	./scripts/fuzz-smoke

loadtest:
	go run ./syncserver loadtest -interns 20000 -window 60s

crashtest:
	go run ./syncserver crashtest -kills 5 -interns 2000

# Windows zip, Linux archive and .deb, server package, signed SHA256SUMS in dist/.
release:
	./scripts/release

# The Windows build of dist/ started under Wine on Xvfb (its first screen).
wine-smoke:
	./scripts/wine-smoke
