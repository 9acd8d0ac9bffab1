/* fuzz_plot_inputs.c — the files dcue-plot reads (tools/dcue-plot/
 * inputs.c): input_sniff, then the TSV table reader with every cell parsed
 * as a number, the key-value reader, and for checkpoints the metric
 * history reader (with and without recomputed CRCs, fuzz.h). */
#include "fuzz.h"
#include "inputs.h"

static void history(const char *path)
{
	struct table t;

	if (ckpt_history_read(path, &t) == 0)
		table_free(&t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(0, data, size);
	enum input_kind k = input_sniff(path);
	struct table t;
	struct kv kv;
	double x;

	input_kind_name(k);
	if (k == IN_CKPT || k == IN_BINARY) {
		fuzz_binary(data, size, history);
		return 0;
	}
	if (table_read(path, &t) == 0) {
		for (size_t r = 0; r < t.nrows; r++)
			for (int c = 0; c < t.ncols; c++)
				table_num(&t, r, c, &x);
		table_col(&t, "epoch");
		table_free(&t);
	}
	if (kv_read(path, &kv) == 0) {
		kv_get(&kv, "mel_mean");
		kv_free(&kv);
	}
	return 0;
}
