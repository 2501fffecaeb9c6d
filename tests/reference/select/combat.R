# Golden values for radiome.harmonize.combat.ComBat: sva::ComBat on seeded multi-centre data
# (3 batches, covariates age and sex), parametric and non-parametric, mean-only, reference
# batch, and without covariates.
# Regenerate from the repository root:  Rscript tests/reference/select/combat.R
# Generated with R 4.2.2 and sva 3.46.0 (Debian r-bioc-sva).
options(digits = 17)
suppressPackageStartupMessages(library(sva))
out_dir <- file.path("tests", "reference", "select", "combat")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
set.seed(2024)
n_per <- c(A = 14, B = 16, C = 18)
batch <- rep(names(n_per), n_per)
n <- length(batch)
p <- 20
age <- sample(30:80, n, replace = TRUE)
sex <- sample(c("F", "M"), n, replace = TRUE)
loc <- c(A = 0, B = 1.5, C = -1)[batch]
scl <- c(A = 1, B = 2, C = 0.6)[batch]
dat <- matrix(NA_real_, p, n)
for (g in 1:p) {
  dat[g, ] <- 5 + 0.04 * age + 0.8 * (sex == "M") + g / 10 +
    rnorm(1, 1, 0.3) * loc + rnorm(n) * scl * runif(1, 0.5, 1.5)
}
dat <- round(dat, 6)
rownames(dat) <- sprintf("f%02d", 1:p)
input <- data.frame(batch = batch, age = age, sex = sex, t(dat), check.names = FALSE)
write.csv(input, file.path(out_dir, "input.csv"), row.names = FALSE)
mod <- model.matrix(~ age + sex, data = input)
configs <- list(
  parametric = list(mod = mod, par.prior = TRUE, mean.only = FALSE, ref.batch = NULL),
  nonparametric = list(mod = mod, par.prior = FALSE, mean.only = FALSE, ref.batch = NULL),
  parametric_mean_only = list(mod = mod, par.prior = TRUE, mean.only = TRUE, ref.batch = NULL),
  nonparametric_mean_only = list(mod = mod, par.prior = FALSE, mean.only = TRUE, ref.batch = NULL),
  parametric_ref_B = list(mod = mod, par.prior = TRUE, mean.only = FALSE, ref.batch = "B"),
  parametric_no_covariates = list(mod = NULL, par.prior = TRUE, mean.only = FALSE, ref.batch = NULL)
)
for (nm in names(configs)) {
  cf <- configs[[nm]]
  res <- suppressMessages(ComBat(dat, batch = batch, mod = cf$mod, par.prior = cf$par.prior,
                                 mean.only = cf$mean.only, ref.batch = cf$ref.batch))
  write.csv(format(as.data.frame(t(res)), digits = 17), file.path(out_dir, paste0("sva_", nm, ".csv")),
            row.names = FALSE)
}
cat("sva", as.character(packageVersion("sva")), "\n")
