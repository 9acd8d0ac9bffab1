# pipeline.mk — the dcue data pipeline: MPD slices to a trained, evaluated
# and plotted model, incremental and resumable.  Manual: docs/pipeline.md.
#
#   make -f pipeline.mk all                      the embedded example, offline
#   make -f pipeline.mk all MPD=~/mpd/data LIMIT=5000   the real thing
#   make -f pipeline.mk help                     targets and variables
#
# Every stage is a file under $(WORK) made from the previous stage's files
# and from its tool's binary, so make reruns exactly the stale stages.
# Variables that change a stage's result are recorded in $(WORK)/.vars/*,
# files rewritten only when their content changes: changing EPOCHS retrains,
# re-evaluates and re-plots, and nothing else.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
# The stages parallelise inside (JOBS fetch pipelines, OpenBLAS threads in
# training); running them side by side with make -j would only make them
# compete, and concurrent builds of one tool would collide.
.NOTPARALLEL:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# --- variables (make -f pipeline.mk help lists them) --------------------------
MPD         ?=
WORK        ?= work
LIMIT       ?=
MIN_COUNT   ?=
JOBS        ?= 2
CHUNKS      ?= $(JOBS)
BIN         ?= $(ROOT)/bin
BUILD_TOOLS ?= yes
PYTHON      ?= /usr/bin/python3
DEEZER_API  ?=
RATE        ?= 50/5
FETCH_OPTS  ?=
MEL_OPTS    ?=
STATS_OPTS  ?=
EXAMPLE     ?= full
SEED        ?= 1
EPOCHS      ?= $(if $(MPD),10,$(EX_EPOCHS))
TRAIN_OPTS  ?= $(if $(MPD),,$(EX_TRAIN_OPTS))
EVAL_OPTS   ?=
PLOT        ?= png
SHARD       ?=
# training, eval and embed under Open MPI: NP ranks (empty: one process),
# on HOSTS (a,b,...) or the hosts of HOSTFILE, with MPIRUN_OPTS
NP          ?=
HOSTS       ?=
HOSTFILE    ?=
MPIRUN_OPTS ?=

OPENBLAS_CORETYPE ?= Haswell
export OPENBLAS_CORETYPE

# The embedded example (used when MPD is empty).  full: the default run;
# tiny: a fast variant for tests.  The fake server is local, so the example
# fetches under a larger budget than Deezer's 50 requests per 5 s.
ifeq ($(EXAMPLE),tiny)
EX_GEN_OPTS   := --tracks 40 --playlists 40 --slice 20 --seconds 4 --min-length 5 --max-length 12
EX_EPOCHS     := 1
EX_TRAIN_OPTS := --embedding-size 32 --channels 32 --hidden 32 --nb-negatives 4 --batch-size 8 --valid-samples 40
EX_RATE       := 1000/5
else ifeq ($(EXAMPLE),full)
EX_GEN_OPTS   := --tracks 800 --playlists 1000
EX_EPOCHS     := 3
EX_TRAIN_OPTS := --embedding-size 64 --channels 64 --hidden 64 --batch-size 16 --nb-negatives 10 --valid-samples 500 --log-steps 100
EX_RATE       := 500/5
else
$(error EXAMPLE must be full or tiny, not '$(EXAMPLE)')
endif

# --- layout -------------------------------------------------------------------
V       := $(WORK)/.vars
DATA    := $(WORK)/data
MELS    := $(WORK)/mels
CACHE   := $(WORK)/cache
TRAIN   := $(WORK)/train
PLOTS   := $(WORK)/plots
EX      := $(WORK)/example

ifeq ($(MPD),)
MPD_PATHS  := $(EX)/mpd
MPD_DEPS   := $(EX)/deezer/catalogue.tsv
MPD_LIST   := example $(EXAMPLE)
FETCH_RATE := $(EX_RATE)
else
# A folder of slices, or slice files; a new or removed slice reparses even
# when its mtime is old (the list is part of the parse stage's variables).
MPD_PATHS  := $(foreach p,$(MPD),$(if $(wildcard $(p)/.),$(sort $(wildcard $(p)/*.json $(p)/*.json.gz)),$(p)))
MPD_DEPS   := $(MPD_PATHS)
MPD_LIST   := $(MPD_PATHS)
FETCH_RATE := $(RATE)
ifeq ($(MPD_PATHS),)
$(error MPD=$(MPD): no *.json or *.json.gz slices there)
endif
endif

# SHARD=I/K: this host fetches and converts share I of K of the tracks
# (deezer-fetch --shard); the later stages need every share's mels, so only
# the stages up to fetch run with it.
ifneq ($(SHARD),)
ifneq ($(filter-out parse fetch help tools deps clean clean-mels clean-all,$(or $(MAKECMDGOALS),all)),)
$(error SHARD=$(SHARD) is for the fetch stage: run 'make -f pipeline.mk fetch SHARD=$(SHARD)' on each host, bring the mels together, then train without SHARD (docs/pipeline.md, "Several hosts"))
endif
endif

TOOLS := mpd-parse deezer-fetch wav2mel mel-stats dcue-train dcue-plot
PLOT_FILES := $(addprefix $(PLOTS)/,curves.$(PLOT) eval.$(PLOT) mel-hist.$(PLOT) \
                mpd-stats.$(PLOT) mel-example.$(PLOT))

.PHONY: all help parse fetch stats train eval embed plots clean clean-mels clean-all tools deps FORCE
all: plots
	@echo "pipeline.mk: done; the report is $(WORK)/eval.txt, the plots are in $(PLOTS)/"
	@cat $(WORK)/eval.txt

parse: $(DATA)/tracks.tsv
fetch: $(WORK)/mels.done
stats: $(WORK)/mel-stats.txt $(WORK)/mpd-stats.txt
train: $(WORK)/model.ckpt
eval: $(WORK)/eval.txt
embed: $(WORK)/tracks.emb $(WORK)/playlists.emb
plots: $(PLOT_FILES)
tools: $(TOOLS:%=$(BIN)/%)

help:
	@echo 'usage: make -f pipeline.mk [TARGET] [VAR=value ...]'
	@echo
	@echo 'targets:'
	@echo '  all         parse, fetch + mels, stats, train, eval, plots (default)'
	@echo '  parse       $$(WORK)/data/tracks.tsv, playlists.bin       (mpd-parse)'
	@echo '  fetch       $$(WORK)/mels/*.mel, $$(WORK)/mels.done      (deezer-fetch | wav2mel)'
	@echo '  stats       $$(WORK)/mel-stats.txt, mpd-stats.txt         (mel-stats, mpd-parse stats)'
	@echo '  train       $$(WORK)/model.ckpt, metrics.tsv              (dcue-train train)'
	@echo '  eval        $$(WORK)/eval.txt, report.tsv, per-playlist.tsv (dcue-train eval)'
	@echo '  embed       $$(WORK)/tracks.emb, playlists.emb             (dcue-train embed; not in all)'
	@echo '  plots       $$(WORK)/plots/*.$$(PLOT)                      (dcue-plot)'
	@echo '  challenge   $$(WORK)/challenge/submission.csv.gz, eval.txt, $$(WORK)/plots/challenge.$$(PLOT)'
	@echo '              (RecSys Challenge 2018: a local set from the slices, or CHALLENGE=)'
	@echo '  tools       build the tools into $$(BIN)'
	@echo '  clean       remove derived files, keeping the mels, cache and example'
	@echo '  clean-mels  also remove the mels and the fetch cache (refetches everything)'
	@echo '  clean-all   remove $$(WORK) entirely'
	@echo
	@echo 'variables (current value):'
	@echo '  MPD=$(MPD)    MPD slices (folder or files); empty: the embedded example'
	@echo '  WORK=$(WORK)    where every stage writes'
	@echo '  LIMIT=$(LIMIT)    only playlists with pid < LIMIT (5000: the 0.5% subset); empty: all'
	@echo '  MIN_COUNT=$(MIN_COUNT)    drop tracks in fewer playlists (mpd-parse --min-count)'
	@echo '  JOBS=$(JOBS)    parallel fetch + mel jobs (xargs -P), sharing one rate budget'
	@echo '  CHUNKS=$(CHUNKS)    pieces the track list is cut into for those jobs'
	@echo '  RATE=$(RATE)    Deezer API budget, N/SECONDS (the example uses $(EX_RATE))'
	@echo '  DEEZER_API=$(DEEZER_API)    API base URL; empty: api.deezer.com, or the fake server for the example'
	@echo '  FETCH_OPTS=$(FETCH_OPTS)    more deezer-fetch options (e.g. --retry-failed)'
	@echo '  MEL_OPTS=$(MEL_OPTS)    more wav2mel options (a change remakes every mel)'
	@echo '  STATS_OPTS=$(STATS_OPTS)    more mel-stats options (with MEL_OPTS=--log1p: --scale log1p --mel-min 0 --mel-max 3)'
	@echo '  EPOCHS=$(EPOCHS)    training epochs'
	@echo '  SEED=$(SEED)    seed of every random choice'
	@echo '  TRAIN_OPTS=$(TRAIN_OPTS)'
	@echo '              more dcue-train train options'
	@echo '  EVAL_OPTS=$(EVAL_OPTS)    more dcue-train eval options'
	@echo '  NP=$(NP)    train, eval and embed under mpirun -np NP; empty: one process'
	@echo '  HOSTS=$(HOSTS)    with NP: mpirun -H HOSTS (a,b,...)'
	@echo '  HOSTFILE=$(HOSTFILE)    with NP: mpirun --hostfile HOSTFILE'
	@echo '  MPIRUN_OPTS=$(MPIRUN_OPTS)    more mpirun options'
	@echo '  PLOT=$(PLOT)    plot format: png, svg or txt (text for a terminal)'
	@echo '  SHARD=$(SHARD)    I/K: fetch and convert share I of K of the tracks only (several hosts; fetch target)'
	@echo '  EXAMPLE=$(EXAMPLE)    the example: full (800 tracks, 1000 playlists) or tiny (tests)'
	@echo '  BIN=$(BIN)    the tools; BUILD_TOOLS=$(BUILD_TOOLS): build missing or stale ones'
	@echo '  PYTHON=$(PYTHON)    runs the example generator and the fake Deezer server'
	@echo '  CHALLENGE=$(CHALLENGE)    an official challenge_set.json (with MPD); empty: a local set'
	@echo '  PER_CATEGORY=$(PER_CATEGORY)    playlists per category of the local set (1000: the official size)'
	@echo '  TEAM=$(TEAM)  EMAIL=$(EMAIL)    the submission'"'"'s team_info line'
	@echo '  CH_OPTS=$(CH_OPTS)    more dcue-train challenge options (e.g. --foldin mean)'

# --- tools --------------------------------------------------------------------
# A tool is a prerequisite of what it makes: rebuilding it reruns its stage.
# The recipe always runs (FORCE) but only touches the binary when the
# sources changed, so an up-to-date tool triggers nothing.
TOOL_DIR := $(notdir $(BIN))
ifeq ($(BUILD_TOOLS)$(filter $(ROOT)/bin $(ROOT)/bin-san,$(abspath $(BIN))),yes$(abspath $(BIN)))
# On a fresh machine the first run installs the Debian packages (the
# Makefile's `make deps`: quick when everything is present), once per run.
deps:
	@MAKEFLAGS= $(MAKE) -s --no-print-directory -C $(ROOT) -f Makefile deps

$(BIN)/%: FORCE | deps
	@if [ ! -e $(ROOT)/tools/$*.c ] && [ ! -e $(ROOT)/tools/$*/main.c ]; then \
	  echo "pipeline.mk: this stage needs $@, which is not built: tools/$*.c or tools/$*/ does not exist yet" >&2; \
	  exit 1; \
	fi
	@MAKEFLAGS= $(MAKE) -s --no-print-directory -C $(ROOT) -f Makefile \
	  $(if $(filter bin-san,$(TOOL_DIR)),SAN=1) $(TOOL_DIR)/$* || { \
	  echo "pipeline.mk: building $@ failed" >&2; exit 1; }
else
deps:

$(BIN)/%:
	@echo "pipeline.mk: this stage needs $@, which does not exist (BIN=$(BIN), BUILD_TOOLS=$(BUILD_TOOLS))" >&2
	@exit 1
endif

FORCE:

# --- recorded variables -------------------------------------------------------
# $(V)/NAME holds the settings of one stage; it is rewritten (new mtime) only
# when they change, which makes the stage and everything after it stale.
shq = '$(subst ','\'',$(1))'
define record
$(V)/$(1): FORCE | $(V)
	@printf '%s\n' $$(call shq,$(2)) | cmp -s - $$@ || \
	  { printf '%s\n' $$(call shq,$(2)) > $$@.tmp && mv -f $$@.tmp $$@; }
endef
$(eval $(call record,example,$(EXAMPLE) $(EX_GEN_OPTS) --seed $(SEED)))
$(eval $(call record,parse,$(MPD_LIST) limit=$(LIMIT) min_count=$(MIN_COUNT)))
$(eval $(call record,fetch,$(MEL_OPTS)))
$(eval $(call record,shard,$(SHARD)))
# a prerequisite of the fetch stage once a SHARD was given (not before:
# unsharded runs stay as they were)
SHARD_DEP := $(if $(SHARD)$(wildcard $(V)/shard),$(V)/shard)
$(eval $(call record,stats,$(STATS_OPTS)))
$(eval $(call record,train,epochs=$(EPOCHS) seed=$(SEED) $(TRAIN_OPTS)))
$(eval $(call record,eval,$(EVAL_OPTS)))

$(V) $(WORK) $(DATA) $(MELS) $(CACHE) $(TRAIN) $(PLOTS):
	mkdir -p $@

# --- the embedded example -------------------------------------------------------
# The generator writes every file atomically, keeps finished previews on a
# rerun, and writes the catalogue last: it is the stage's target.
$(EX)/deezer/catalogue.tsv: $(ROOT)/examples/make-example.py $(V)/example | $(WORK) deps
	$(PYTHON) $(ROOT)/examples/make-example.py -o $(EX) --jobs $(JOBS) --seed $(SEED) $(EX_GEN_OPTS)
	touch $@

# --- parse ----------------------------------------------------------------------
$(DATA)/tracks.tsv $(DATA)/playlists.bin &: $(MPD_DEPS) $(BIN)/mpd-parse $(V)/parse | $(DATA)
	$(BIN)/mpd-parse $(if $(LIMIT),--limit $(LIMIT)) $(if $(MIN_COUNT),--min-count $(MIN_COUNT)) \
	  -o $(DATA) $(MPD_PATHS)
	touch $(DATA)/tracks.tsv $(DATA)/playlists.bin

# --- fetch + mels -----------------------------------------------------------------
# The track list is cut into $(CHUNKS) pieces run by $(JOBS) parallel
# `deezer-fetch | wav2mel --batch` pipelines; deezer-fetch's --state folder
# holds the one rate budget they share.  Tracks whose .mel exists and tracks
# listed as permanently failed (not found, no preview) are skipped, so a
# rerun after an interruption only does what is left.  For the example, the
# fake Deezer server runs for the duration of this recipe and is stopped by
# the trap, also on failure or Ctrl-C.
ifeq ($(MPD),)
FETCH_DEPS := $(EX)/deezer/catalogue.tsv $(ROOT)/tests/fake-deezer/server.py
start_api = \
	port_file=$(CACHE)/server.port; rm -f $$port_file; \
	$(PYTHON) $(ROOT)/tests/fake-deezer/server.py --catalogue $(EX)/deezer/catalogue.tsv \
	  --port-file $$port_file --log $(CACHE)/server.log --quota $(EX_RATE) & server=$$!; \
	trap 'kill $$server 2>/dev/null || true; wait $$server 2>/dev/null || true; rm -f $$port_file' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP; \
	for i in $$(seq 300); do \
	  [ -s $$port_file ] && break; \
	  kill -0 $$server 2>/dev/null || { echo "pipeline.mk: the fake Deezer server did not start (see $(CACHE)/server.log)" >&2; exit 1; }; \
	  sleep 0.1; \
	done; \
	[ -s $$port_file ] || { echo "pipeline.mk: the fake Deezer server wrote no port in 30 s" >&2; exit 1; }; \
	api=http://127.0.0.1:$$(cat $$port_file); \
	echo "pipeline.mk: fake Deezer server at $$api (pid $$server)";
else
FETCH_DEPS :=
start_api = api=$(if $(DEEZER_API),$(DEEZER_API),https://api.deezer.com);
endif

# The mels are made with MEL_OPTS, recorded in $(MELS)/.settings: when they
# change, the old mels are removed (and their previews fetched again), so
# one folder never mixes two kinds of spectrogram.
$(WORK)/mels.done: $(DATA)/tracks.tsv $(BIN)/deezer-fetch $(BIN)/wav2mel $(V)/fetch $(SHARD_DEP) $(FETCH_DEPS) | $(MELS) $(CACHE)
	@if [ -e $(MELS)/.settings ] && ! cmp -s $(V)/fetch $(MELS)/.settings; then \
	  echo "pipeline.mk: the mel settings changed (MEL_OPTS='$(MEL_OPTS)'): removing the old mels, which are made again" >&2; \
	  find $(MELS) -maxdepth 1 -name '*.mel' -delete; \
	fi; \
	cp -f $(V)/fetch $(MELS)/.settings.tmp && mv -f $(MELS)/.settings.tmp $(MELS)/.settings
	@rm -rf $(CACHE)/chunks && mkdir -p $(CACHE)/chunks
	@$(start_api) \
	tail -n +2 $(DATA)/tracks.tsv | cut -f 1-3 \
	  $(if $(SHARD),| $(BIN)/deezer-fetch --shard $(SHARD) --list) > $(CACHE)/chunks/list; \
	split -n r/$(CHUNKS) $(CACHE)/chunks/list $(CACHE)/chunks/part.; \
	ls $(CACHE)/chunks/part.* | xargs -P $(JOBS) -I{} bash -u -c \
	  '$(BIN)/deezer-fetch --api "$$0" --cache $(CACHE) --state $(CACHE) --skip-existing $(MELS) \
	     --rate $(FETCH_RATE) $(FETCH_OPTS) "$$1" | \
	   $(BIN)/wav2mel --batch -o $(MELS) --delete-input $(MEL_OPTS) > /dev/null; \
	   s=("$${PIPESTATUS[@]}"); \
	   [ "$${s[1]}" = 0 ] || echo "pipeline.mk: wav2mel could not convert some previews (named above); they stay in $(CACHE) and are skipped" >&2; \
	   [ "$${s[0]}" -le 1 ]' "$$api" {}; \
	have=$$({ n=0; while IFS=$$'\t' read -r id _; do [ -e $(MELS)/$$id.mel ] && n=$$((n + 1)); done; echo $$n; } < $(CACHE)/chunks/list); \
	total=$$(wc -l < $(CACHE)/chunks/list); \
	echo "pipeline.mk: $$have of $$total tracks$(if $(SHARD), of shard $(SHARD)) have a mel spectrogram; failures: $(CACHE)/failures.tsv"; \
	[ "$$have" -eq "$$total" ] || echo "pipeline.mk: $$((total - have)) tracks have no mel; those that failed for a passing reason (quota, network, http_5xx) are tried again after 'rm $@'" >&2; \
	[ "$$have" -gt 0 ] || { echo "pipeline.mk: no track was fetched" >&2; exit 1; }; \
	printf 'tracks %s\nmels %s\n$(if $(SHARD),shard $(SHARD)\n)' "$$total" "$$have" > $@.tmp && mv -f $@.tmp $@
	@rm -rf $(CACHE)/chunks

# --- statistics -------------------------------------------------------------------
# Over this dataset's tracks only: the folder may hold mels of tracks that a
# smaller LIMIT or another MPD left out.
$(WORK)/mel-stats.txt $(WORK)/mel-hist.tsv &: $(WORK)/mels.done $(DATA)/tracks.tsv $(BIN)/mel-stats $(V)/stats
	tail -n +2 $(DATA)/tracks.tsv | cut -f 1 | \
	  while read -r id; do if [ -e $(MELS)/$$id.mel ]; then echo $(MELS)/$$id.mel; fi; done | \
	  $(BIN)/mel-stats $(STATS_OPTS) -o $(WORK)/mel-stats.txt --hist $(WORK)/mel-hist.tsv -
	touch $(WORK)/mel-stats.txt $(WORK)/mel-hist.tsv

$(WORK)/mpd-stats.txt $(WORK)/mpd-hist.tsv &: $(DATA)/tracks.tsv $(DATA)/playlists.bin $(BIN)/mpd-parse
	$(BIN)/mpd-parse stats --histograms $(WORK)/mpd-hist.tsv $(DATA) > $(WORK)/mpd-stats.txt.tmp
	mv -f $(WORK)/mpd-stats.txt.tmp $(WORK)/mpd-stats.txt
	touch $(WORK)/mpd-hist.tsv

# --- train ------------------------------------------------------------------------
# NP=N: the same commands under mpirun (the result does not depend on N, up
# to the order of float sums, so N is not a recorded variable)
RUN := $(if $(NP),mpirun -np $(NP) $(if $(HOSTS),-H $(HOSTS)) $(if $(HOSTFILE),--hostfile $(HOSTFILE)) $(MPIRUN_OPTS))
# dcue-train checkpoints $(TRAIN)/last.ckpt after every epoch; a rerun after
# an interruption resumes from it, unless any input is newer (then it
# starts again).  model.ckpt and metrics.tsv appear only when training is
# complete, so they never look finished when they are not.
TRAIN_DEPS := $(DATA)/tracks.tsv $(DATA)/playlists.bin $(WORK)/mels.done $(WORK)/mel-stats.txt \
              $(BIN)/dcue-train $(V)/train
$(WORK)/model.ckpt $(WORK)/metrics.tsv &: $(TRAIN_DEPS) | $(TRAIN)
	@last=$(TRAIN)/last.ckpt; \
	for p in $(TRAIN_DEPS); do \
	  if [ -e $$last ] && [ $$p -nt $$last ]; then \
	    echo "pipeline.mk: $$p changed; training starts again"; rm -f $$last $(TRAIN)/metrics.tsv; \
	  fi; \
	done; \
	load=; [ -e $$last ] && { load="--load $$last"; echo "pipeline.mk: resuming from $$last"; }; \
	set -x; \
	$(RUN) $(BIN)/dcue-train train --mpd $(DATA) --mels $(MELS) --stats $(WORK)/mel-stats.txt \
	  --save $$last $$load --metrics $(TRAIN)/metrics.tsv --epochs $(EPOCHS) --seed $(SEED) \
	  $(TRAIN_OPTS)
	cp -f $(TRAIN)/metrics.tsv $(WORK)/.metrics.tsv.tmp && mv -f $(WORK)/.metrics.tsv.tmp $(WORK)/metrics.tsv
	cp -f $(TRAIN)/last.ckpt $(WORK)/.model.ckpt.tmp && mv -f $(WORK)/.model.ckpt.tmp $(WORK)/model.ckpt

# --- eval -------------------------------------------------------------------------
$(WORK)/eval.txt $(WORK)/report.tsv $(WORK)/per-playlist.tsv &: $(WORK)/model.ckpt $(BIN)/dcue-train $(V)/eval
	$(RUN) $(BIN)/dcue-train eval --load $(WORK)/model.ckpt --mpd $(DATA) --mels $(MELS) \
	  --report $(WORK)/report.tsv --per-playlist $(WORK)/per-playlist.tsv $(EVAL_OPTS) \
	  > $(WORK)/.eval.txt.tmp
	touch $(WORK)/report.tsv $(WORK)/per-playlist.tsv
	mv -f $(WORK)/.eval.txt.tmp $(WORK)/eval.txt

# --- embed (not part of all) ------------------------------------------------------
$(WORK)/tracks.emb $(WORK)/playlists.emb &: $(WORK)/model.ckpt $(BIN)/dcue-train
	$(RUN) $(BIN)/dcue-train embed --load $(WORK)/model.ckpt --mpd $(DATA) --mels $(MELS) --quiet \
	  --tracks $(WORK)/tracks.emb --playlists $(WORK)/playlists.emb

# --- plots ------------------------------------------------------------------------
PLOT_TERM := $(if $(filter txt,$(PLOT)),--term dumb)
$(PLOTS)/curves.$(PLOT): $(WORK)/metrics.tsv $(BIN)/dcue-plot | $(PLOTS)
	$(BIN)/dcue-plot curves $(PLOT_TERM) -o $@ $<
$(PLOTS)/eval.$(PLOT): $(WORK)/report.tsv $(WORK)/per-playlist.tsv $(BIN)/dcue-plot | $(PLOTS)
	$(BIN)/dcue-plot eval $(PLOT_TERM) -o $@ $(WORK)/report.tsv $(WORK)/per-playlist.tsv
$(PLOTS)/mel-hist.$(PLOT): $(WORK)/mel-hist.tsv $(WORK)/mel-stats.txt $(BIN)/dcue-plot | $(PLOTS)
	$(BIN)/dcue-plot hist $(PLOT_TERM) -o $@ $(WORK)/mel-hist.tsv $(WORK)/mel-stats.txt
$(PLOTS)/mpd-stats.$(PLOT): $(WORK)/mpd-hist.tsv $(WORK)/mpd-stats.txt $(BIN)/dcue-plot | $(PLOTS)
	$(BIN)/dcue-plot stats $(PLOT_TERM) -o $@ $(WORK)/mpd-hist.tsv $(WORK)/mpd-stats.txt
# the first track of tracks.tsv that has a spectrogram
$(PLOTS)/mel-example.$(PLOT): $(WORK)/mels.done $(BIN)/dcue-plot | $(PLOTS)
	@mel=$$({ read -r _; while IFS=$$'\t' read -r id _; do \
	  [ -e $(MELS)/$$id.mel ] && { echo $(MELS)/$$id.mel; break; }; done; } < $(DATA)/tracks.tsv); \
	[ -n "$$mel" ] || { echo "pipeline.mk: no track has a mel spectrogram" >&2; exit 1; }; \
	echo "$(BIN)/dcue-plot mel $(PLOT_TERM) -o $@ $$mel"; \
	$(BIN)/dcue-plot mel $(PLOT_TERM) -o $@ $$mel

# --- the RecSys Challenge 2018 (docs/pipeline.md#challenge) ------------------------
# By default a local challenge set is cut from the slices (mpd-parse
# make-challenge: $(CH)/challenge_set.json, truth.json, and mpd/ without its
# playlists); the model is trained on the rest plus the challenge seeds
# (mpd-parse --challenge), with the mels the main fetch made; the submission
# is scored against the truth next to popularity and plotted.  With
# CHALLENGE=.../challenge_set.json (and MPD) it is the official set: the
# submission only, as there is no truth to score it with.
CHALLENGE    ?=
PER_CATEGORY ?= 10
TEAM         ?= dcue
EMAIL        ?= dcue@localhost
CH_OPTS      ?=
CH      := $(WORK)/challenge
CH_DATA := $(CH)/data
CH_TRAIN := $(CH)/train
ifeq ($(CHALLENGE),)
CH_SET    := $(CH)/challenge_set.json
CH_SLICES := $(CH)/mpd
CH_DEPS   := $(CH)/challenge_set.json
CH_OUT    := $(CH)/submission.csv.gz $(CH)/eval.txt $(PLOTS)/challenge.$(PLOT)
else
ifeq ($(MPD),)
$(error CHALLENGE=$(CHALLENGE) needs MPD=... (the slices the model is trained on))
endif
CH_SET    := $(CHALLENGE)
CH_SLICES := $(MPD_PATHS)
CH_DEPS   := $(CHALLENGE) $(MPD_DEPS)
CH_OUT    := $(CH)/submission.csv.gz
endif
# the training playlists' names for title matching: a folder of slices
CH_TITLES := $(if $(CHALLENGE),$(firstword $(MPD)),$(CH)/mpd)

.PHONY: challenge
challenge: $(CH_OUT)
	@echo "pipeline.mk: the submission is $(CH)/submission.csv.gz"
	@if [ -e $(CH)/eval.txt ] && [ -z "$(CHALLENGE)" ]; then \
	  echo "pipeline.mk: scores (all categories; per category in $(CH)/eval.txt, $(PLOTS)/challenge.$(PLOT)):"; \
	  grep ' all ' $(CH)/eval.txt; fi

$(eval $(call record,make-challenge,$(MPD_LIST) per=$(PER_CATEGORY) seed=$(SEED)))
$(eval $(call record,challenge,$(CHALLENGE) team=$(TEAM) email=$(EMAIL) $(CH_OPTS)))

$(CH) $(CH_DATA) $(CH_TRAIN):
	mkdir -p $@

$(CH)/challenge_set.json $(CH)/truth.json &: $(MPD_DEPS) $(BIN)/mpd-parse $(V)/make-challenge | $(CH)
	$(BIN)/mpd-parse make-challenge -q -o $(CH) --per-category $(PER_CATEGORY) --seed $(SEED) \
	  $(MPD_PATHS)
	touch $(CH)/truth.json $(CH)/challenge_set.json

$(CH_DATA)/tracks.tsv $(CH_DATA)/playlists.bin $(CH_DATA)/challenge.tsv &: $(CH_DEPS) $(BIN)/mpd-parse $(V)/parse | $(CH_DATA)
	$(BIN)/mpd-parse --challenge $(CH_SET) $(if $(LIMIT),--limit $(LIMIT)) \
	  $(if $(MIN_COUNT),--min-count $(MIN_COUNT)) -o $(CH_DATA) $(CH_SLICES)
	touch $(CH_DATA)/tracks.tsv $(CH_DATA)/playlists.bin $(CH_DATA)/challenge.tsv

# Trained as the main model (same options), on the challenge's data, with
# the main fetch's mels: the challenge's tracks are the slices' (seeds of an
# official set that no MPD playlist holds have no mel: they are left out of
# training and fold-in, and never recommended as seeds).
CH_TRAIN_DEPS := $(CH_DATA)/tracks.tsv $(CH_DATA)/playlists.bin $(WORK)/mels.done \
                 $(WORK)/mel-stats.txt $(BIN)/dcue-train $(V)/train
$(CH)/model.ckpt: $(CH_TRAIN_DEPS) | $(CH_TRAIN)
	@last=$(CH_TRAIN)/last.ckpt; \
	for p in $(CH_TRAIN_DEPS); do \
	  if [ -e $$last ] && [ $$p -nt $$last ]; then rm -f $$last; fi; \
	done; \
	load=; [ -e $$last ] && { load="--load $$last"; echo "pipeline.mk: resuming from $$last"; }; \
	set -x; \
	$(BIN)/dcue-train train --mpd $(CH_DATA) --mels $(MELS) --stats $(WORK)/mel-stats.txt \
	  --save $$last $$load --metrics $(CH_TRAIN)/metrics.tsv --epochs $(EPOCHS) --seed $(SEED) \
	  $(TRAIN_OPTS)
	cp -f $(CH_TRAIN)/last.ckpt $(CH)/.model.ckpt.tmp && mv -f $(CH)/.model.ckpt.tmp $@

$(CH)/tracks.emb: $(CH)/model.ckpt $(BIN)/dcue-train
	$(BIN)/dcue-train embed --load $< --mpd $(CH_DATA) --mels $(MELS) --tracks $@ --quiet

$(CH)/submission.csv.gz: $(CH)/model.ckpt $(CH)/tracks.emb $(CH_DATA)/challenge.tsv $(CH_SET) \
                         $(BIN)/dcue-train $(V)/challenge
	$(BIN)/dcue-train challenge --load $(CH)/model.ckpt --mpd $(CH_DATA) \
	  --embeddings $(CH)/tracks.emb --challenge $(CH_SET) \
	  $(if $(CH_TITLES),--titles $(CH_TITLES)) --team $(call shq,$(TEAM)) \
	  --email $(call shq,$(EMAIL)) --seed $(SEED) $(CH_OPTS) -o $@

$(CH)/eval.txt $(CH)/eval.tsv &: $(CH)/submission.csv.gz $(CH)/truth.json $(BIN)/dcue-train
	$(BIN)/dcue-train score --challenge $(CH_SET) --truth $(CH)/truth.json --mpd $(CH)/mpd \
	  --popularity $(CH_DATA) --tsv $(CH)/eval.tsv $< > $(CH)/.eval.txt.tmp
	touch $(CH)/eval.tsv
	mv -f $(CH)/.eval.txt.tmp $(CH)/eval.txt

$(PLOTS)/challenge.$(PLOT): $(CH)/eval.tsv $(BIN)/dcue-plot | $(PLOTS)
	$(BIN)/dcue-plot challenge $(PLOT_TERM) -o $@ $<

# --- cleaning ---------------------------------------------------------------------
clean:
	rm -rf $(DATA) $(TRAIN) $(PLOTS) $(V) $(CACHE)/chunks
	rm -f $(WORK)/mels.done $(WORK)/mel-stats.txt $(WORK)/mel-hist.tsv $(WORK)/mpd-stats.txt \
	  $(WORK)/mpd-hist.tsv $(WORK)/model.ckpt $(WORK)/metrics.tsv $(WORK)/eval.txt \
	  $(WORK)/report.tsv $(WORK)/per-playlist.tsv
	rm -rf $(CH)
clean-mels: clean
	rm -rf $(MELS) $(CACHE)
clean-all:
	rm -rf $(WORK)
