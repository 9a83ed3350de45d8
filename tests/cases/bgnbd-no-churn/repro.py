"""BG/NBD on a steady book (no churn): the MLE runs to the Poisson boundary (r, alpha huge, a -> 0).
Expected purchases must then be ~ (r/alpha) * t per customer, not 0."""

import numpy as np

from helpers import clv

rng = np.random.default_rng(0)
n, T = 60, 100.0  # 60 customers, 100 weeks observed each
lam = 0.06  # one purchase every ~17 weeks, nobody churns
times = [np.sort(rng.uniform(0, T, rng.poisson(lam * T) + 1)) for _ in range(n)]
x = np.array([len(t) - 1 for t in times], float)
tx = np.array([t[-1] - t[0] for t in times])
TT = np.array([T - t[0] for t in times])
p = clv.fit_bgnbd(x, tx, TT)
print("fit:", p)
e = clv.expected_purchases(p, 52.0, x, tx, TT)
print("expected purchases next 52 weeks: total", e.sum(), " first 5", e[:5])
print("naive steady-rate estimate (x/T * 52) total:", (x / TT * 52).sum())
print("p_alive first 5:", clv.probability_alive(p, x, tx, TT)[:5])
