"""Restricted maximum likelihood for the additive model y = μ + f_a + b_r + ε on one connected component.

With λ_f = α_f / σ² and λ_b = α_b / σ², μ and σ² have closed forms, so the search is over two numbers.
The marginal covariance V = σ²(λ_f AAᵀ + λ_b BBᵀ + I) is never formed: by the matrix determinant lemma
and Woodbury's identity everything reduces to C = G⁻¹ + ZᵀZ, whose application block is diagonal and is
eliminated analytically, leaving a dense matrix the size of the reviewer set (a few hundred).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

LOG_BOUNDS = (-8.0, 6.0)  # log(variance / noise variance): e^-8 is "no effect at all"


class Model:
    """REML for one component. Applications (P side) are eliminated analytically; the reviewers' side is dense."""

    def __init__(
        self, app_ids: list[int], rev_ids: list[int], by_app: Mapping[int, list[tuple[int, Decimal]]]
    ):
        app_index = {aid: i for i, aid in enumerate(app_ids)}
        rev_index = {rid: j for j, rid in enumerate(rev_ids)}
        p, q, y = [], [], []
        for aid in app_ids:
            for rid, total in by_app[aid]:
                p.append(app_index[aid])
                q.append(rev_index.get(rid, -1))
                y.append(float(total))
        self.y = np.array(y)
        self.p = np.array(p)
        self.q = np.array(q)
        self.n = len(y)
        self.n_apps, self.n_revs = len(app_ids), len(rev_ids)
        self.n_p = np.bincount(self.p, minlength=self.n_apps).astype(float)
        linked = self.q >= 0
        self.pl, self.ql = self.p[linked], self.q[linked]
        self.n_q = np.bincount(self.ql, minlength=self.n_revs).astype(float)
        # Pairs of corrected reviewers sharing an application, for Wᵀ D⁻¹ W.
        order = np.argsort(self.pl, kind="stable")
        pl, ql = self.pl[order], self.ql[order]
        pairs_p, pairs_q = [], []
        start = 0
        for end in range(1, len(pl) + 1):
            if end == len(pl) or pl[end] != pl[start]:
                block = ql[start:end]
                pairs_p.extend([pl[start]] * len(block) ** 2)
                pairs_q.extend((block[:, None] * self.n_revs + block[None, :]).ravel())
                start = end
        self.pairs_p, self.pairs_q = np.array(pairs_p, dtype=int), np.array(pairs_q, dtype=int)
        self.g_y = self._sums(self.y)
        self.g_1 = self._sums(np.ones(self.n))

    def _sums(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        linked = self.q >= 0
        return (
            np.bincount(self.p, weights=x, minlength=self.n_apps),
            np.bincount(self.q[linked], weights=x[linked], minlength=self.n_revs),
        )

    def _factor(self, log_lf: float, log_lb: float):
        d = self.n_p + math.exp(-log_lf)
        s = np.bincount(self.pairs_q, weights=1.0 / d[self.pairs_p], minlength=self.n_revs**2)
        s = np.diag(self.n_q + math.exp(-log_lb)) - s.reshape(self.n_revs, self.n_revs)
        return d, s

    def _reduce(self, d: np.ndarray, g: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """h = g_q − Wᵀ D⁻¹ g_p."""
        return g[1] - np.bincount(self.ql, weights=(g[0] / d)[self.pl], minlength=self.n_revs)

    def objective(self, theta: Sequence[float]) -> float:
        """−2 × restricted log-likelihood (constants dropped), with μ and σ² profiled out."""
        log_lf, log_lb = theta
        d, s = self._factor(log_lf, log_lb)
        try:
            logdet_s = 2.0 * float(np.log(np.diagonal(np.linalg.cholesky(s))).sum())
        except np.linalg.LinAlgError:
            return math.inf
        h = np.stack([self._reduce(d, self.g_y), self._reduce(d, self.g_1)], axis=1)
        solved = np.linalg.solve(s, h)

        def quad(x_dot: float, ga, gb, i: int, j: int) -> float:
            return x_dot - float(ga[0] @ (gb[0] / d)) - float(h[:, i] @ solved[:, j])

        yy = quad(float(self.y @ self.y), self.g_y, self.g_y, 0, 0)
        one_y = quad(float(self.y.sum()), self.g_1, self.g_y, 1, 0)
        one_one = quad(float(self.n), self.g_1, self.g_1, 1, 1)
        residual = yy - one_y * one_y / one_one
        if residual <= 0 or one_one <= 0:
            return math.inf
        logdet_v = self.n_apps * log_lf + self.n_revs * log_lb + float(np.log(d).sum()) + logdet_s
        dof = self.n - 1
        return dof * math.log(residual / dof) + logdet_v + math.log(one_one)

    def moment_start(self) -> list[float]:
        """Rough method-of-moments variances, as log ratios to the noise: where the likelihood search starts."""
        app_mean = np.bincount(self.p, weights=self.y, minlength=self.n_apps) / self.n_p
        within = self.y - app_mean[self.p]
        dof = max(float((self.n_p - 1).sum()), 1.0)
        within_var = max(float(within @ within) / dof, 1e-9)
        quality = float(np.var(app_mean)) - within_var / float(self.n_p.mean())
        linked = self.q >= 0
        rev_mean = np.bincount(self.q[linked], weights=within[linked], minlength=self.n_revs) / np.maximum(
            self.n_q, 1
        )
        reviewer = float(np.var(rev_mean)) - within_var / float(np.maximum(self.n_q, 1).mean())
        noise = max(within_var - max(reviewer, 0.0), 0.1 * within_var)
        return [math.log(max(quality, 0.01 * noise) / noise), math.log(max(reviewer, 0.01 * noise) / noise)]

    def posterior(self, theta: Sequence[float]) -> tuple[float, float, np.ndarray]:
        """μ̂, σ̂² and the posterior mean offsets b̂ at the fitted variances."""
        d, s = self._factor(*theta)
        h_y, h_1 = self._reduce(d, self.g_y), self._reduce(d, self.g_1)
        v_y, v_1 = np.linalg.solve(s, np.stack([h_y, h_1], axis=1)).T
        yy = float(self.y @ self.y) - float(self.g_y[0] @ (self.g_y[0] / d)) - float(h_y @ v_y)
        one_y = float(self.y.sum()) - float(self.g_1[0] @ (self.g_y[0] / d)) - float(h_1 @ v_y)
        one_one = float(self.n) - float(self.g_1[0] @ (self.g_1[0] / d)) - float(h_1 @ v_1)
        mu = one_y / one_one
        sigma2 = (yy - mu * one_y) / (self.n - 1)
        return mu, sigma2, v_y - mu * v_1  # C⁻¹ Zᵀ(y − μ1), reviewer part


def nelder_mead(func, start: Sequence[float], step: float = 0.5, iterations: int = 80) -> list[float]:
    """A deterministic 2-D Nelder–Mead inside the box LOG_BOUNDS (there is no SciPy in the stack).

    Stops when the simplex is 0.005 wide in log-variance (0.5 % in the variances): finer than that
    moves no offset by a visible amount.
    """

    def clip(x: Sequence[float]) -> list[float]:
        return [min(max(v, LOG_BOUNDS[0]), LOG_BOUNDS[1]) for v in x]

    simplex = [clip(start), clip([start[0] + step, start[1]]), clip([start[0], start[1] + step])]
    values = [func(x) for x in simplex]
    for _ in range(iterations):
        order = sorted(range(3), key=lambda i: (values[i], i))
        simplex, values = [simplex[i] for i in order], [values[i] for i in order]
        width = max(abs(a - b) for x in simplex[1:] for a, b in zip(x, simplex[0], strict=True))
        if width < 5e-3:
            break
        centre = [(simplex[0][i] + simplex[1][i]) / 2 for i in range(2)]
        reflected = clip([2 * centre[i] - simplex[2][i] for i in range(2)])
        fr = func(reflected)
        if fr < values[0]:
            expanded = clip([3 * centre[i] - 2 * simplex[2][i] for i in range(2)])
            fe = func(expanded)
            simplex[2], values[2] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[1]:
            simplex[2], values[2] = reflected, fr
        else:
            contracted = clip([(centre[i] + simplex[2][i]) / 2 for i in range(2)])
            fc = func(contracted)
            if fc < values[2]:
                simplex[2], values[2] = contracted, fc
            else:
                simplex = [simplex[0]] + [
                    clip([(simplex[0][i] + x[i]) / 2 for i in range(2)]) for x in simplex[1:]
                ]
                values = [values[0]] + [func(x) for x in simplex[1:]]
    return simplex[min(range(3), key=lambda i: (values[i], i))]
