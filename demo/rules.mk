# demo/: `make demo`, the README's main command: installs what is missing
# (apt), builds, and runs one whole session end to end (demo/run).
demo:
	.ci/install-deps
	$(MAKE) programs
	demo/run

.PHONY: demo
