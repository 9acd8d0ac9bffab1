/* layers.h — the DCUE model's layers, each a forward/backward pair.
 *
 * Legend: n sequences (tracks) in a batch, T valid frames per sequence,
 * S rows per sequence in memory (its stride, S >= T), C/Ci/Co channels,
 * k kernel width, p pooling width, In/Out dense input/output sizes, D
 * embedding width.  Every sequence buffer is frames-major: row t of
 * sequence i holds its C values contiguously at buf + (i*S + t)*C.
 *
 * Backward functions accumulate (+=) into parameter gradients and into
 * input gradients, as in llm.c; callers zero them first.
 *
 * 'same' convolution: a kernel of width k over T frames pads k-1 zero rows,
 * conv_pad_left(k) = (k-1)/2 before and the rest (the extra zero for an
 * even k) after, as PyTorch's padding='same' and Keras/TensorFlow do.  The
 * input buffer carries those zero rows itself (S = T + k - 1, data from row
 * pad_left), so the im2col matrix of the whole batch is the input read with
 * overlapping rows: row r of A starts at inp + r*Ci and spans k*Ci floats
 * (lda = Ci).  One GEMM over all n*S - (k-1) rows computes every output; the
 * k-1 rows per sequence that straddle two sequences are junk and ignored. */
#ifndef DCUE_LAYERS_H
#define DCUE_LAYERS_H

#include <stddef.h>

static inline int conv_pad_left(int k) { return (k - 1) / 2; }

/* out [n][S][Co] (rows t < T valid), inp [n][S][Ci] with S = T + k - 1,
 * w [k][Ci][Co], b [Co] or NULL (no bias). */
void conv1d_forward(float *out, const float *inp, const float *w, const float *b,
                    int n, int T, int Ci, int Co, int k);
/* dout [n][S][Co] whose rows t >= T (junk) must be 0; dinp [n][S][Ci] or
 * NULL (not needed: the first layer), dw [k][Ci][Co], db [Co] or NULL. */
void conv1d_backward(float *dinp, float *dw, float *db, const float *dout,
                     const float *inp, const float *w, int n, int T, int Ci, int Co, int k);

/* Bias + ReLU + max-pool by p (floor(T/p) outputs, as PyTorch MaxPool1d):
 * out[i][off + u][c] = relu(b[c] + max_{j<p} inp[i][u*p + j][c]), where
 * inp is [n][Si][C] and out is [n][So][C]; argmax [n][T/p][C] records the
 * winning row t of the sequence, or -1 when the ReLU cut the value off.  b
 * may be NULL.  Rows of out outside [off, off + T/p) are left untouched. */
void maxpool_forward(float *out, int *argmax, const float *inp, const float *b, int n, int T,
                     int Si, int So, int off, int C, int p);
/* dout [n][So][C] at rows off..; adds into dinp [n][Si][C] and db (may be
 * NULL).  seq maps sequence i of dout/dinp to its sequence in argmax (the
 * backward pass runs on the active tracks only); NULL is the identity. */
void maxpool_backward(float *dinp, float *db, const float *dout, const int *argmax,
                      const int *seq, int n, int T, int Si, int So, int off, int C, int p);
/* The backward pass of conv + bias + ReLU + max-pool in one, sparse: only
 * each pooled window's winner carries a gradient (13–16% of the conv
 * output's elements once trained, but in nearly every row, so no GEMM
 * shrinks), and each one adds its gradient times its input window into the
 * weight gradient, and times its weight column into the input gradient's
 * window.  The terms are grouped — per channel over a chunk of tracks for
 * the weight gradient, per winning row for the input gradient — and each
 * group summed in registers (a gathered GEMV), not one memory-bound rank-1
 * update per term.  dpool [n][So][Co] (rows off..), argmax and seq as in
 * maxpool_backward, inp [n][S][Ci] (S = T + k - 1), wt [Co][k*Ci] the
 * weights transposed; accumulates dwt [Co][k*Ci] (the weight gradient
 * transposed), db [Co] and dinp [n][S][Ci] (NULL: not needed).  scratch
 * holds conv1d_pool_backward_sparse_scratch() bytes (the lists and a
 * second thread's sums; threads 1 or 2, more count as 2); nothing static
 * is written, so separate scratches may run at once. */
void conv1d_pool_backward_sparse(float *dinp, float *dwt, float *db, const float *dpool,
                                 const int *argmax, const int *seq, const float *inp,
                                 const float *wt, void *scratch, int threads, int n, int T,
                                 int So, int off, int Ci, int Co, int k, int p);
size_t conv1d_pool_backward_sparse_scratch(int T, int Ci, int Co, int k, int p);
/* Fraction of the pooled outputs of sequences seq[0..n) with a gradient. */
double pool_density(const float *dpool, const int *argmax, const int *seq, int n, int U,
                    int So, int off, int C);

/* out [n][C] = mean over T rows of inp [n][S][C]. */
void mean_forward(float *out, const float *inp, int n, int T, int S, int C);
void mean_backward(float *dinp, const float *dout, int n, int T, int S, int C);

/* out [n][Out] = inp [n][In] · w [In][Out] + b [Out]. */
void dense_forward(float *out, const float *inp, const float *w, const float *b, int n, int In,
                   int Out);
/* dinp may be NULL. */
void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                    const float *w, int n, int In, int Out);

/* out [n][D] = table[idx[i]] ([P][D]). */
void embedding_forward(float *out, const int *idx, const float *table, int n, int D);
void embedding_backward(float *dtable, const float *dout, const int *idx, int n, int D);

/* out = max(0, inp), elementwise over n values (in place allowed). */
void relu_forward(float *out, const float *inp, size_t n);
/* dinp += dout where out > 0. */
void relu_backward(float *dinp, const float *dout, const float *out, size_t n);

#endif
