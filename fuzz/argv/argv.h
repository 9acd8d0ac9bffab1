/* argv.h — fuzz_argv's per-tool parts (fuzz/argv/NAME.c): each compiles
 * its tool's main.c in with main() renamed, runs the tool's option parser
 * on argv (argv[0] the tool's name) and checks what it accepted against
 * the documented ranges and combinations, calling abort() on a breach.
 * The parser may exit (usage error, --help): fuzz_argv.c catches that.
 * scratch has room for argc + 1 pointers and is freed by the caller. */
#ifndef DCUE_FUZZ_ARGV_H
#define DCUE_FUZZ_ARGV_H

void argv_mpd_parse(int argc, char **argv, void *scratch);
void argv_deezer_fetch(int argc, char **argv, void *scratch);
void argv_wav2mel(int argc, char **argv, void *scratch);
void argv_mel_stats(int argc, char **argv, void *scratch);
void argv_dcue_train(int argc, char **argv, void *scratch);
void argv_dcue_plot(int argc, char **argv, void *scratch);

#endif
