# The two commands of the README:
#   make demo   install what is missing, build, and run Shiplog on its embedded PostgreSQL
#   make test   install what is missing, lint deploy/, start a throwaway PostgreSQL and moto, run the whole test suite

SWIFT ?= swift

.PHONY: demo test build release bench deps

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	scripts/demo.sh

test: deps
	scripts/check-deploy.sh
	$(SWIFT) build --build-tests
	scripts/with-test-postgres.sh scripts/with-test-moto.sh $(SWIFT) test --skip-build

bench: release
	.build/release/shiplog bench append
