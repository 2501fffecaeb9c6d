# Golden values for radiome.select.icc: psych::ICC(x, lmer = FALSE) on seeded repeated
# measurements (and on Shrout & Fleiss's 1979 Table 2 example).
# Regenerate from the repository root:  Rscript tests/reference/select/icc.R
# Generated with R 4.2.2 and psych 2.2.9 (Debian r-cran-psych).
options(digits = 17)
suppressPackageStartupMessages(library(psych))
out_dir <- file.path("tests", "reference", "select", "icc")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

make_data <- function(seed, n, k, rel) {
  # rel: one between-case SD per feature; error SD 1; rater offsets 0.5
  set.seed(seed)
  offsets <- rnorm(k, 0, 0.5)
  long <- expand.grid(repeat_id = seq_len(k), case = seq_len(n))[, c("case", "repeat_id")]
  for (j in seq_along(rel)) {
    truth <- rnorm(n, 10, rel[j])
    y <- truth[long$case] + offsets[long$repeat_id] * (j %% 2) + rnorm(n * k, 0, 1)
    long[[paste0("f", j)]] <- round(y, 6)
  }
  long
}

sf <- data.frame(case = rep(1:6, each = 4), repeat_id = rep(1:4, 6),
                 f1 = c(9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7))
sets <- list(
  list(name = "shrout_fleiss", data = sf, alpha = 0.05),
  list(name = "seeded_n25_k3", data = make_data(11, 25, 3, c(3, 1, 0.3, 0, 2)), alpha = 0.05),
  list(name = "seeded_n12_k2", data = make_data(12, 12, 2, c(2, 0.5, 1.5)), alpha = 0.10)
)
rows <- list()
for (s in sets) {
  write.csv(s$data, file.path(out_dir, paste0(s$name, "_input.csv")), row.names = FALSE)
  feats <- setdiff(names(s$data), c("case", "repeat_id"))
  k <- max(s$data$repeat_id)
  for (f in feats) {
    wide <- matrix(s$data[[f]], ncol = k, byrow = TRUE)  # rows: cases (sorted), cols: repeats
    r <- psych::ICC(wide, lmer = FALSE, alpha = s$alpha)$results
    rows[[length(rows) + 1]] <- data.frame(
      dataset = s$name, feature = f, alpha = s$alpha, type = r$type, ICC = r$ICC, F = r$F,
      df1 = r$df1, df2 = r$df2, p = r$p, lower = r[["lower bound"]], upper = r[["upper bound"]])
  }
}
res <- do.call(rbind, rows)
write.csv(format(res, digits = 17), file.path(out_dir, "psych_icc.csv"), row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "\n")
