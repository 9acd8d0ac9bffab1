# pipeline.mk — the dcue data pipeline (stub: stages arrive with their tools).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

TOOLS := mpd-parse deezer-fetch wav2mel mel-stats dcue-train dcue-plot

.PHONY: all
all:
	@$(MAKE) --no-print-directory all
	@for t in $(TOOLS); do [ -x bin/$$t ] || { echo "pipeline.mk: bin/$$t is not built yet (tools/$$t is missing)" >&2; exit 1; }; done
