# Top level: builds in src/, runs the tests, starts the demo.
#
#   make                 build src/redis-server (BUILD_TLS=no by default)
#   make BUILD_TLS=yes   build with the TLS connection type (OpenSSL 3)
#   make test            install what is missing, build with TLS, run the C
#                        unit tests and the Tcl suite in plain and TLS modes
#   make demo            install what is missing, build with TLS, make
#                        certificates, start a TLS-only, mutual-TLS group on
#                        127.0.0.1 (one master, two replicas, three
#                        sentinels) until Ctrl-C (utils/demo.py)
#   make demo ARGS=--failover-drill   the same group, then kill the master
#                        under load and check every acknowledged write
#   make fuzz            build the libFuzzer target of the RESP parser
#   make SANITIZER=address|undefined   sanitizer builds

.PHONY: all test demo fuzz clean deps unit-tests

all:
	$(MAKE) -C src

deps:
	bash deps/install.sh

unit-tests:
	$(MAKE) -C src unit-tests

test: deps
	$(MAKE) -C src BUILD_TLS=yes
	$(MAKE) -C src BUILD_TLS=yes unit-tests
	bash utils/run-tests.sh

ARGS ?=

demo: deps
	$(MAKE) -C src BUILD_TLS=yes
	/usr/bin/python3 utils/demo.py $(ARGS)

fuzz:
	$(MAKE) -C src fuzz

clean:
	$(MAKE) -C src clean
	rm -rf tests/tmp
