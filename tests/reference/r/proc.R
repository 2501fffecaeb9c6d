# Golden values for radiome.evaluate (roc, threshold, reclassification) from R's pROC and Hmisc.
#
# Generated with R 4.2.2 (Debian), pROC 1.18.0, Hmisc 4.8.0.
# Regenerate from the repository root:   Rscript tests/reference/r/proc.R
#
# Writes into tests/reference/r/proc/:
#   data_<name>.csv      inputs: y (0/1), scores a and b, probabilities p_old and p_new
#   auc.csv              auc(), var() (DeLong), ci.auc(method="delong") at 95% and 90%,
#                        ci.auc(method="bootstrap", boot.n=2000, stratified) at 95% (seeded)
#   test_paired.csv      roc.test(method="delong", paired=TRUE): AUCs, Z, p, 95% CI of difference
#   test_unpaired.csv    roc.test(method="delong", paired=FALSE): AUCs, D, df, p
#   youden.csv           coords(x="best", best.method="youden"): every tied best row
#   coords.csv           coords(x=<numeric>, input="threshold") at observed scores (<= 25 each)
#   reclass.csv          Hmisc::improveProb(): continuous NRI, IDI and their SEs, and the same
#                        on risk categories (categorical NRI, cut-offs 0.1 and 0.3)
# Convention everywhere: levels = c(0, 1), direction = "<" (controls score lower than cases).
suppressPackageStartupMessages({
  library(pROC)
  library(Hmisc)
})
options(digits = 17)
out <- file.path("tests", "reference", "r", "proc")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wcsv <- function(df, name) {
  # %.17g (C printf) round-trips every double exactly; R's format(digits = 17) does not always
  df[] <- lapply(df, function(col) if (is.numeric(col)) sprintf("%.17g", col) else col)
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

set.seed(20240501)
make_data <- function(n, prev, shift_a, shift_b, rho, round_to = NA) {
  y <- rbinom(n, 1, prev)
  if (length(unique(y)) < 2) y[1:2] <- c(0, 1)
  z1 <- rnorm(n)
  z2 <- rho * z1 + sqrt(1 - rho^2) * rnorm(n)
  a <- z1 + shift_a * y
  b <- z2 + shift_b * y
  if (!is.na(round_to)) {
    a <- round(a, round_to)
    b <- round(b, round_to)
  }
  lp_old <- -1.5 + 0.8 * (z1 + shift_a * y) * 0.7
  lp_new <- lp_old + 0.6 * (z2 + shift_b * y) - 0.3
  data.frame(y = y, a = a, b = b, p_old = plogis(lp_old), p_new = plogis(lp_new))
}
datasets <- list(
  ties = make_data(150, 0.4, 1.0, 1.3, 0.6, round_to = 1),        # many tied scores
  unbalanced = make_data(400, 0.08, 1.2, 0.9, 0.5),               # rare outcome
  small = make_data(14, 0.45, 0.8, 1.0, 0.3, round_to = 0),        # small n, heavy ties
  balanced = make_data(200, 0.5, 0.6, 0.9, 0.7)                    # moderate AUCs
)
for (nm in names(datasets)) wcsv(datasets[[nm]], paste0("data_", nm, ".csv"))

mkroc <- function(d, s) roc(d$y, d[[s]], levels = c(0, 1), direction = "<", quiet = TRUE)

auc_rows <- list(); paired_rows <- list(); youden_rows <- list(); coords_rows <- list()
for (nm in names(datasets)) {
  d <- datasets[[nm]]
  for (s in c("a", "b")) {
    r <- mkroc(d, s)
    c95 <- ci.auc(r, method = "delong", conf.level = 0.95)
    c90 <- ci.auc(r, method = "delong", conf.level = 0.90)
    set.seed(42)
    cb <- ci.auc(r, method = "bootstrap", boot.n = 2000, boot.stratified = TRUE,
                 conf.level = 0.95, progress = "none")
    auc_rows[[length(auc_rows) + 1]] <- data.frame(
      dataset = nm, score = s, n_cases = length(r$cases), n_controls = length(r$controls),
      auc = as.numeric(auc(r)), var_delong = var(r, method = "delong"),
      ci95_lower = c95[1], ci95_upper = c95[3], ci90_lower = c90[1], ci90_upper = c90[3],
      boot95_lower = cb[1], boot95_upper = cb[3])
    best <- coords(r, x = "best", best.method = "youden", transpose = FALSE,
                   ret = c("threshold", "sensitivity", "specificity"))
    youden_rows[[length(youden_rows) + 1]] <- data.frame(
      dataset = nm, score = s, rank = seq_len(nrow(best)), threshold = best$threshold,
      sensitivity = best$sensitivity, specificity = best$specificity)
    xs <- sort(unique(d[[s]]))
    if (length(xs) > 25) xs <- xs[unique(round(seq(1, length(xs), length.out = 25)))]
    cc <- coords(r, x = xs, input = "threshold", transpose = FALSE,
                 ret = c("threshold", "sensitivity", "specificity", "accuracy", "ppv", "npv"))
    coords_rows[[length(coords_rows) + 1]] <- data.frame(dataset = nm, score = s, cc)
  }
  ra <- mkroc(d, "a"); rb <- mkroc(d, "b")
  tt <- roc.test(ra, rb, method = "delong", paired = TRUE, conf.level = 0.95)
  paired_rows[[length(paired_rows) + 1]] <- data.frame(
    dataset = nm, auc_a = as.numeric(tt$estimate[1]), auc_b = as.numeric(tt$estimate[2]),
    z = as.numeric(tt$statistic), p = tt$p.value,
    ci95_lower = tt$conf.int[1], ci95_upper = tt$conf.int[2])
}
wcsv(do.call(rbind, auc_rows), "auc.csv")
wcsv(do.call(rbind, paired_rows), "test_paired.csv")
wcsv(do.call(rbind, youden_rows), "youden.csv")
wcsv(do.call(rbind, coords_rows), "coords.csv")

pairs <- list(c("ties", "balanced"), c("unbalanced", "small"), c("balanced", "unbalanced"))
unpaired_rows <- list()
for (p in pairs) {
  for (s in c("a", "b")) {
    r1 <- mkroc(datasets[[p[1]]], s); r2 <- mkroc(datasets[[p[2]]], s)
    tt <- roc.test(r1, r2, method = "delong", paired = FALSE)
    unpaired_rows[[length(unpaired_rows) + 1]] <- data.frame(
      dataset1 = p[1], dataset2 = p[2], score = s,
      auc1 = as.numeric(tt$estimate[1]), auc2 = as.numeric(tt$estimate[2]),
      D = as.numeric(tt$statistic), df = as.numeric(tt$parameter), p = tt$p.value)
  }
}
wcsv(do.call(rbind, unpaired_rows), "test_unpaired.csv")

reclass_rows <- list()
ip_row <- function(nm, kind, ip) {
  data.frame(dataset = nm, kind = kind, n_events = ip$na, n_nonevents = ip$nb,
             pup_ev = ip$pup.ev, pdown_ev = ip$pdown.ev, pup_ne = ip$pup.ne, pdown_ne = ip$pdown.ne,
             nri = ip$nri, se_nri = ip$se.nri, nri_ev = ip$nri.ev, se_nri_ev = ip$se.nri.ev,
             nri_ne = ip$nri.ne, se_nri_ne = ip$se.nri.ne,
             idi = ip$idi, se_idi = ip$se.idi, improve_sens = ip$improveSens,
             improve_spec = ip$improveSpec)
}
for (nm in names(datasets)) {
  d <- datasets[[nm]]
  reclass_rows[[length(reclass_rows) + 1]] <- ip_row(nm, "continuous", improveProb(d$p_old, d$p_new, d$y))
  # Categorical NRI: the same statistic on category indices (scaled into [0, 1]); right-closed
  # intervals are NOT used: a risk equal to a cut-off falls into the upper category.
  brk <- c(-Inf, 0.1, 0.3, Inf)
  c_old <- (as.integer(cut(d$p_old, brk, right = FALSE)) - 1) / 2
  c_new <- (as.integer(cut(d$p_new, brk, right = FALSE)) - 1) / 2
  reclass_rows[[length(reclass_rows) + 1]] <- ip_row(nm, "categorical", improveProb(c_old, c_new, d$y))
}
wcsv(do.call(rbind, reclass_rows), "reclass.csv")
