#!/usr/bin/python3
"""dcue_torch.py — the DCUE model in PyTorch, the baseline for
bench_dcue_train.sh: the same architecture, loss, optimiser, batch,
negatives and thread count as dcue-train, on random inputs.

    dcue_torch.py train --batch B [--negatives N] [--threads T] [--steps S]
    dcue_torch.py embed [--batch 64] [--threads T] [--steps S]
    dcue_torch.py info [--threads T]

Prints one line: "samples_per_s X" (train: 1 sample = 1 playlist + 1
positive + N negatives) or "crops_per_s X" (embed: forward passes over
--mel-length crops).  info prints the version, the threads, ATen's CPU
capability and the convolution kernel oneDNN picked (run it with
DNNL_VERBOSE=1 for the latter); the environment (malloc, OMP_*,
OPENBLAS_*) is left as the caller sets it."""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Audio(nn.Module):
    def __init__(self, M=128, C=128, E=256):
        super().__init__()
        self.convs = nn.ModuleList([
            nn.Conv1d(M, C, 4, padding="same"), nn.Conv1d(C, E, 4, padding="same"),
            nn.Conv1d(E, E, 4, padding="same"), nn.Conv1d(E, E, 2, padding="same"),
            nn.Conv1d(E, E, 1)])
        self.pools = [4, 4, 4, 2, 1]
        self.out = nn.Linear(E, E)

    def forward(self, x):               # x [n][M][T]
        for conv, p in zip(self.convs, self.pools):
            x = F.relu(conv(x))
            if p > 1:
                x = F.max_pool1d(x, p)
        return self.out(x.mean(dim=2))


class DCUE(nn.Module):
    def __init__(self, P=1000, H=300, E=256):
        super().__init__()
        self.emb = nn.Embedding(P, H)
        self.d1 = nn.Linear(H, H)
        self.d2 = nn.Linear(H, E)
        self.audio = Audio(E=E)

    def forward(self, pid, mels, K):    # mels [B*K][M][T]
        u = self.d2(F.relu(self.d1(F.relu(self.emb(pid)))))
        v = self.audio(mels).view(pid.shape[0], K, -1)
        return F.cosine_similarity(u.unsqueeze(1), v, dim=2)   # [B][K]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "embed", "info"])
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--negatives", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--mel-length", type=int, default=130)
    ap.add_argument("--margin", type=float, default=0.2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = DCUE()
    K = a.negatives + 1
    if a.mode == "info":
        cap = [l.strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l]
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
              f"{torch.__config__.parallel_info().splitlines()[-1].strip()}, {cap[0] if cap else ''}")
        x = torch.randn(2, 128, a.mel_length, requires_grad=True)
        model.audio(x).sum().backward()     # oneDNN names its kernels here
        return
    if a.mode == "train":
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        loss_fn = nn.MultiMarginLoss(margin=a.margin)
        pid = torch.randint(0, 1000, (a.batch,))
        target = torch.zeros(a.batch, dtype=torch.long)
        mels = torch.randn(a.batch * K, 128, a.mel_length)

        def step():
            opt.zero_grad()
            loss = loss_fn(model(pid, mels, K), target)
            loss.backward()
            opt.step()
        step()                          # warm-up
        t = time.perf_counter()
        for _ in range(a.steps):
            step()
        dt = time.perf_counter() - t
        print(f"samples_per_s {a.steps * a.batch / dt:.2f}")
    else:
        mels = torch.randn(a.batch, 128, a.mel_length)
        with torch.no_grad():
            model.audio(mels)
            t = time.perf_counter()
            for _ in range(a.steps):
                model.audio(mels)
            dt = time.perf_counter() - t
        print(f"crops_per_s {a.steps * a.batch / dt:.2f}")


if __name__ == "__main__":
    main()
