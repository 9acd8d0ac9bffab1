/* mkchallenge.h — mpd-parse make-challenge: a local RecSys Challenge 2018
 * challenge set drawn from MPD slices, the way the official one was built.
 *
 * Pass 1 (main.c, the streaming reader) gives every playlist's pid and its
 * number of distinct tracks; mkch_select() picks the challenge playlists;
 * pass 2 (mkch_write()) reads each slice whole with jansson and writes
 * DIR/mpd/ without the chosen playlists, DIR/truth.json with them whole and
 * DIR/challenge_set.json with their seeds.  See docs/mpd-parse.md. */
#ifndef MKCHALLENGE_H
#define MKCHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"

struct mkch_options {
	const char *outdir;
	uint32_t per_category;     /* N playlists per category */
	uint32_t min_holdouts;     /* H: a playlist needs seeds + H distinct tracks */
	uint64_t seed;
	int strict;                /* too few long-enough playlists: error, not a warning */
	int quiet;
};

/* Picks per_category playlists for each category among those with
 * distinct[p] >= seeds + min_holdouts, from one seeded permutation, the
 * most demanding categories first.  category[P] receives 0 (stays in the
 * MPD) or 1..10; counts[1..10] the number picked.  A category short of
 * playlists takes all it can, with a warning (or -1 with err under
 * strict). */
int mkch_select(const uint32_t *distinct, size_t P, const struct mkch_options *o,
                uint8_t *category, uint32_t counts[CH_CATEGORIES + 1], char *err, size_t errcap);

/* The seed positions of playlist pid (n tracks) in category c, ascending,
 * into out[ch_categories[c].seeds]: the first ones, or a seeded random draw
 * that is never the first ones (n must exceed the number of seeds). */
void mkch_seed_positions(uint64_t seed, uint32_t pid, int c, uint32_t n, uint32_t *out);

/* Pass 2: files[nfiles] are the slices (no "-"); pid[P] ascending with
 * category[P] from mkch_select().  Everything is written under temporary
 * names and renamed into place at the end.  -1 with err set. */
int mkch_write(const struct mkch_options *o, char *const *files, size_t nfiles,
               const uint32_t *pid, const uint8_t *category, size_t P, char *err,
               size_t errcap);

#endif
