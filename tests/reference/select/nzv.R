# Golden values for radiome.select.filters.NearZeroVariance: caret::nearZeroVar(saveMetrics=TRUE)
# on a seeded table with constant, near-constant, discrete and continuous columns.
# Regenerate from the repository root:  Rscript tests/reference/select/nzv.R
# Generated with R 4.2.2 and caret 6.0-93 (Debian r-cran-caret).
options(digits = 17)
suppressPackageStartupMessages(library(caret))
out_dir <- file.path("tests", "reference", "select", "nzv")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
set.seed(5)
n <- 60
x <- data.frame(
  constant = rep(3.5, n),
  rare_binary = c(rep(0, 58), 1, 1),             # ratio 29, 3.3% unique -> nzv
  rare_binary_ok = c(rep(0, 55), rep(1, 5)),     # ratio 11 -> kept
  two_top_tie = c(rep(1, 20), rep(2, 20), rep(3, 20)),
  few_levels = sample(c(0, 1, 2), n, replace = TRUE, prob = c(0.96, 0.02, 0.02)),
  continuous = round(rnorm(n), 6),
  discrete = sample(1:8, n, replace = TRUE),
  mostly_zero = c(rep(0, 50), round(runif(10), 6)),
  spike = c(rep(7, 57), 1, 2, 3)
)
write.csv(x, file.path(out_dir, "input.csv"), row.names = FALSE)
rows <- list()
for (cuts in list(c(95 / 5, 10), c(19, 5), c(2, 20))) {
  m <- nearZeroVar(x, freqCut = cuts[1], uniqueCut = cuts[2], saveMetrics = TRUE)
  rows[[length(rows) + 1]] <- data.frame(freq_cut = cuts[1], unique_cut = cuts[2], feature = rownames(m),
                                         freq_ratio = m$freqRatio, percent_unique = m$percentUnique,
                                         zero_var = m$zeroVar, nzv = m$nzv)
}
res <- do.call(rbind, rows)
res[] <- lapply(res, function(col) if (is.double(col)) format(col, digits = 17) else col)
write.csv(res, file.path(out_dir, "caret_nzv.csv"), row.names = FALSE)
cat("caret", as.character(packageVersion("caret")), "\n")
