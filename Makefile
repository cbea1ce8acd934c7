# Top level: builds in src/, runs the tests, starts the demo.
#
#   make                 build src/redis-server (BUILD_TLS=no by default)
#   make BUILD_TLS=yes   build with the TLS connection type (OpenSSL 3)
#   make test            install what is missing, build with TLS, run the C
#                        unit tests and the Tcl suite in plain and TLS modes
#   make demo            install what is missing, build with TLS, make
#                        certificates, start a TLS-only server
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

demo: deps
	$(MAKE) -C src BUILD_TLS=yes
	bash utils/demo.sh

fuzz:
	$(MAKE) -C src fuzz

clean:
	$(MAKE) -C src clean
	rm -rf tests/tmp
