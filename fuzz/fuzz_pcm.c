/* fuzz_pcm.c — wav2mel's decoded-audio path (tools/wav2mel/convert.c,
 * wav2mel_compute, with melspec.c): samples as ffmpeg delivers them (f32,
 * mono) to the spectrogram and its scaling, then quantised as mel_write
 * would.  ffmpeg itself is not run.  The first byte picks the setting:
 * bit 0 log1p, bit 1 --allow-silent, bit 2 a small STFT (n_fft 64, hop 16,
 * 8 bands) instead of the default (1024, 512, 128); the rest are samples.
 * A result it accepts must be finite and inside its [vmin, vmax] (found:
 * samples near 3e38 overflowed the power spectrum into NaN; now refused). */
#include "fuzz.h"
#include "convert.h"

#include <math.h>

static struct ctx ctx[4];
static struct lane lane[2][4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	for (int k = 0; k < 2; k++) {
		struct melspec_config cfg;
		melspec_config_default(&cfg);
		if (k == 1) {
			cfg.n_fft = 64;
			cfg.hop = 16;
			cfg.n_mels = 8;
		}
		for (int m = 0; m < 4; m++) {
			ctx[m].log1p = m & 1;
			ctx[m].allow_silent = (m >> 1) & 1;
			ctx[m].dtype = BIN_U8;
			wav2mel_lane_init(&lane[k][m], &ctx[m], &cfg, 1);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job job = { .id = "x", .in = "fuzz.wav", .out = "fuzz.mel" };
	struct wav2mel_samples s = { 0 };

	if (size < 1)
		return 0;
	struct lane *L = &lane[(data[0] >> 2) & 1][data[0] & 3];
	struct result *r = &L->res[0];
	s.n = (size - 1) / sizeof(float);
	s.x = malloc((s.n ? s.n : 1) * sizeof(float));
	if (s.x == NULL)
		abort();
	memcpy(s.x, data + 1, s.n * sizeof(float));
	r->t_done = 0;
	if (wav2mel_compute(L, &job, &s, r) == 0) {
		if (r->ok != 1 || r->M != (uint64_t)L->ms.cfg.n_mels ||
		    !(r->meta.vmax > r->meta.vmin) || !mel_value_ok(r->meta.vmin) ||
		    !mel_value_ok(r->meta.vmax))
			abort();
		for (uint64_t i = 0; i < r->T * r->M; i++) {
			float v = r->mel[i];
			if (!isfinite(v) || v < r->meta.vmin - 1e-3f || v > r->meta.vmax + 1e-3f)
				abort();
			mel_value_to_u8(&r->meta, v);
		}
	}
	free(s.x);
	return 0;
}
