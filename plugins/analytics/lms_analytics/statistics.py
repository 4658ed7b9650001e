"""The quiz statistics of Moodle's quiz_statistics report, computed from sums and value
counts (so they can be maintained one attempt at a time) instead of the attempts.

The formulas are Moodle's (``mod/quiz/report/statistics`` and the "Quiz statistics
calculations" developer page); the page shows them next to the numbers. For S attempts,
a test of P questions, x a question's mark, r the rest of the test's mark (the total
minus x) and T the total mark:

* mean, median (the middle one, or the mean of the two middle ones);
* standard deviation SD = sqrt(sum (T - mean)^2 / (S - 1));
* skewness k3 / k2^(3/2) and kurtosis k4 / k2^2 with m_i = sum (T - mean)^i / S,
  k2 = S m2 / (S - 1), k3 = S^2 m3 / ((S - 1)(S - 2)),
  k4 = S^2 ((S + 1) m4 - 3 (S - 1) m2^2) / ((S - 1)(S - 2)(S - 3));
* coefficient of internal consistency (Cronbach's alpha, in %)
  CIC = 100 P / (P - 1) (1 - sum V(x_i) / k2); error ratio ER = 100 sqrt(1 - CIC / 100);
  standard error SE = ER / 100 x SD;
* per question: facility F = mean(x) / max(x); SD(x); discrimination index
  D = 100 C(x, r) / sqrt(V(x) V(r)); discriminative efficiency DE = 100 C(x, r) / Cmax(x, r),
  where Cmax pairs the x values and the r values each sorted ascending; effective weight
  100 sqrt(C(x, T)) / sum_j sqrt(C(x_j, T)) (none when a covariance is negative).
  Variances and covariances divide by S - 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

VERY_EASY = 90.0  # facility index (%) from which a question is flagged very easy
VERY_HARD = 10.0  # ... up to which it is flagged very hard


def _median(counts: dict[float, int], n: int) -> float:
    wanted = [n // 2 - 1, n // 2] if n % 2 == 0 else [n // 2]
    found, seen = [], 0
    for value in sorted(counts):
        upto = seen + counts[value]
        while wanted and wanted[0] < upto:
            found.append(value)
            wanted.pop(0)
        seen = upto
    return sum(found) / len(found)


def summary_statistics(score_counts: dict[float, int], question_variances: list[float]) -> dict:
    """Statistics of the total marks (``score_counts``: mark -> attempts) of a test whose
    questions' mark variances are ``question_variances``."""
    n = sum(score_counts.values())
    result = {
        "attempts": n,
        "mean": None,
        "median": None,
        "sd": None,
        "skewness": None,
        "kurtosis": None,
        "cic": None,
        "error_ratio": None,
        "standard_error": None,
    }
    if n == 0:
        return result
    mean = sum(v * c for v, c in score_counts.items()) / n
    result["mean"] = mean
    result["median"] = _median(score_counts, n)
    if n < 2:
        return result
    p2, p3, p4 = (sum(c * (v - mean) ** k for v, c in score_counts.items()) for k in (2, 3, 4))
    result["sd"] = math.sqrt(p2 / (n - 1))
    if n < 3:
        return result
    m2, m3, m4 = p2 / n, p3 / n, p4 / n
    k2 = n * m2 / (n - 1)
    k3 = n * n * m3 / ((n - 1) * (n - 2))
    if k2 == 0:
        return result
    result["skewness"] = k3 / k2**1.5
    if n > 3:
        k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
        result["kurtosis"] = k4 / (k2 * k2)
    p = len(question_variances)
    if p > 1:
        cic = (100 * p / (p - 1)) * (1 - sum(question_variances) / k2)
        result["cic"] = cic
        if cic <= 100:
            result["error_ratio"] = 100 * math.sqrt(1 - cic / 100)
            result["standard_error"] = result["error_ratio"] * result["sd"] / 100
    return result


def sorted_pair_sum(xs: dict[float, int], rs: dict[float, int]) -> float:
    """sum x_(i) r_(i) with both sequences sorted ascending, given as value -> count."""
    a, b = sorted(xs.items()), sorted(rs.items())
    total, i, j = 0.0, 0, 0
    left_a = a[0][1] if a else 0
    left_b = b[0][1] if b else 0
    while i < len(a) and j < len(b):
        take = min(left_a, left_b)
        total += take * a[i][0] * b[j][0]
        left_a -= take
        left_b -= take
        if left_a == 0:
            i += 1
            left_a = a[i][1] if i < len(a) else 0
        if left_b == 0:
            j += 1
            left_b = b[j][1] if j < len(b) else 0
    return total


@dataclass
class QuestionSums:
    """What is kept per question: the sums over attempts and the value counts."""

    max_mark: float
    n: int = 0
    sx: float = 0.0
    sxx: float = 0.0
    sr: float = 0.0
    srr: float = 0.0
    sxr: float = 0.0
    x_counts: dict = field(default_factory=dict)
    r_counts: dict = field(default_factory=dict)

    def add(self, x: float, r: float) -> None:
        self.n += 1
        self.sx += x
        self.sxx += x * x
        self.sr += r
        self.srr += r * r
        self.sxr += x * r
        self.x_counts[x] = self.x_counts.get(x, 0) + 1
        self.r_counts[r] = self.r_counts.get(r, 0) + 1


def question_statistics(q: QuestionSums) -> dict:
    n = q.n
    out = {
        "attempts": n,
        "facility": None,
        "sd": None,
        "discrimination_index": None,
        "discriminative_efficiency": None,
        "variance": None,
        "covariance_with_total": None,
    }
    if n == 0:
        return out
    mx, mr = q.sx / n, q.sr / n
    if q.max_mark:
        out["facility"] = 100 * mx / q.max_mark
    if n < 2:
        return out
    var_x = max(0.0, (q.sxx - n * mx * mx) / (n - 1))
    var_r = max(0.0, (q.srr - n * mr * mr) / (n - 1))
    cov = (q.sxr - n * mx * mr) / (n - 1)
    cov_max = (sorted_pair_sum(q.x_counts, q.r_counts) - n * mx * mr) / (n - 1)
    out["variance"] = var_x
    out["sd"] = math.sqrt(var_x)
    out["covariance_with_total"] = var_x + cov  # C(x, x + r)
    if var_x * var_r:
        out["discrimination_index"] = 100 * cov / math.sqrt(var_x * var_r)
    if abs(cov_max) > 1e-12:
        out["discriminative_efficiency"] = 100 * cov / cov_max
    return out


def effective_weights(stats: list[dict]) -> list[float | None]:
    covs = [s["covariance_with_total"] for s in stats]
    usable = [c for c in covs if c is not None and c >= 0]
    total = sum(math.sqrt(c) for c in usable)
    if not total:
        return [None] * len(stats)
    return [None if c is None or c < 0 else 100 * math.sqrt(c) / total for c in covs]


def flags(stat: dict) -> list[str]:
    """``very_easy``, ``very_hard``, ``negative_discrimination``."""
    found = []
    facility = stat.get("facility")
    if facility is not None and facility >= VERY_EASY:
        found.append("very_easy")
    if facility is not None and facility <= VERY_HARD:
        found.append("very_hard")
    di = stat.get("discrimination_index")
    if di is not None and di < 0:
        found.append("negative_discrimination")
    return found
