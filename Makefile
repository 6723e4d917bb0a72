# Appariement's usual tasks; the scripts hold the logic.
.PHONY: test bench fuzz-smoke loadtest crashtest faulttest

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
