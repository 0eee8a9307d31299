# demo/: `make demo`, the README's main command: installs what is missing
# (apt), builds, and runs one whole session end to end (demo/run).
# `make demo APP=abiword`: the same story with AbiWord on the Debian desktop
# base (built once, about 8 minutes, then kept).
demo:
	.ci/install-deps
	$(MAKE) programs
	demo/run $(if $(APP),--app $(APP))

.PHONY: demo
