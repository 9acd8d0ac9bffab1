/* argv.h — fuzz_argv's per-tool parts (fuzz/argv/NAME.c): each compiles
 * its tool's main.c in with main() renamed, runs the tool's option parser
 * on argv (argv[0] the tool's name) and checks what it accepted against
 * the documented ranges and combinations, calling abort() on a breach.
 * The parser may exit (usage error, --help): fuzz_argv.c catches that.
 * scratch has room for argc + 1 pointers and is freed by the caller.
 *
 * A part defines ARGV_TOOL (the tool's name as an identifier, mel_stats)
 * and ARGV_SOURCE (its main.c, a path from here), then includes this
 * header, which compiles that file in with main() renamed ARGV_TOOL_main:
 * the six parts link into one program. */
#ifndef DCUE_FUZZ_ARGV_H
#define DCUE_FUZZ_ARGV_H

#ifdef ARGV_SOURCE
#define ARGV_CAT(a, b) a##b
#define ARGV_MAIN(tool) ARGV_CAT(tool, _main)
#define main ARGV_MAIN(ARGV_TOOL)
#include ARGV_SOURCE
#undef main
#endif

void argv_mpd_parse(int argc, char **argv, void *scratch);
void argv_deezer_fetch(int argc, char **argv, void *scratch);
void argv_wav2mel(int argc, char **argv, void *scratch);
void argv_mel_stats(int argc, char **argv, void *scratch);
void argv_dcue_train(int argc, char **argv, void *scratch);
void argv_dcue_plot(int argc, char **argv, void *scratch);

#endif
