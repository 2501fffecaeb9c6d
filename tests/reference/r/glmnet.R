# Golden values for radiome's glmnet-compatible LASSO (radiome.select.lasso).
#
# Regenerate from the repository root with:
#     Rscript tests/reference/r/glmnet.R
# Generated with R 4.2.2 (Debian r-base 4.2.2), glmnet 4.1.6 (packageVersion("glmnet")),
# survival 3.5.3 and Matrix 1.5.3.
#
# Every case is fitted with glmnet's defaults (thresh = 1e-7, nlambda = 100,
# lambda.min.ratio = ifelse(n < p, 0.01, 1e-4), standardize = TRUE) through
#     cv.glmnet(x, y, family = ..., foldid = foldid, alpha = ..., type.measure = "deviance")
# and once more with thresh = 1e-16, maxit = 1e6 ("tight": glmnet's own answer to about 1e-6,
# which separates glmnet's convergence error from radiome's: with the default thresh glmnet's
# coefficients are off the exact minimiser by up to 0.04 on the input scale).
#
# Written into tests/reference/r/glmnet/ (numbers as text with 17 significant digits):
#   <data>_x.csv          the feature table (3 decimals, written exactly)
#   <data>_y.csv          y (binomial 0/1) or time,status (cox), and foldid (1..10)
#   <case>_path.csv       step, lambda, a0 (binomial), dev_ratio, cvm, cvsd
#   <case>_beta.csv       step, feature (1-based), beta: the non-zero path coefficients
#   <case>_summary.csv    lambda_min, lambda_1se, index_min, index_1se (1-based), nulldev
#   <case>_coef.csv       feature (0 = intercept, binomial only), coef_min, coef_1se
# for the tight fits (<case>_tight_*.csv), and path, summary and coef for the default thresh
# (<case>_*.csv). To keep the folder small the coefficient path is written for the tight fits
# only, and not for binom_en (its path, deviances and coefficients at lambda.min/1se are).
# Cases: binom      binomial, n = 120, p = 40, alpha = 1
#        binom_en   binomial, the same data, alpha = 0.5
#        binom_wide binomial, n = 60, p = 150 (p > n), alpha = 1
#        cox        cox, n = 120, p = 40, tied times, alpha = 1
#        cox_wide   cox, n = 60, p = 150 (p > n), tied times, alpha = 1, lambda.min.ratio =
#                   0.1 (below it the path nears a saturated fit, where glmnet's coordinate
#                   descent does not reach thresh = 1e-16 within maxit = 1e6 passes)

suppressMessages(library(glmnet))
suppressMessages(library(survival))
options(digits = 17)
out <- file.path("tests", "reference", "r", "glmnet")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
w <- function(df, name, fmt = "%.17g") {
  for (k in names(df)) if (is.double(df[[k]])) {
    df[[k]] <- ifelse(is.na(df[[k]]), "NA", sprintf(fmt, df[[k]]))
  }
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# Correlated features on different scales: AR(1) correlation rho, then mean + sd * z.
make_x <- function(n, p, rho) {
  z <- matrix(rnorm(n * p), n, p)
  for (j in 2:p) z[, j] <- rho * z[, j - 1] + sqrt(1 - rho^2) * z[, j]
  mu <- round(runif(p, -5, 50), 1)
  s <- round(exp(runif(p, log(0.2), log(20))), 2)
  x <- sweep(sweep(z, 2, s, "*"), 2, mu, "+")
  x <- round(x, 3)
  colnames(x) <- sprintf("f%03d", seq_len(p))
  x
}
fold_ids <- function(n) sample(rep(seq_len(10), length.out = n))

write_case <- function(case, cv, family, p, tag = "", beta = TRUE) {
  fit <- cv$glmnet.fit
  nl <- length(fit$lambda)
  idx <- match(cv$lambda, fit$lambda)
  path <- data.frame(step = seq_len(nl), lambda = fit$lambda)
  if (family == "binomial") path$a0 <- as.numeric(fit$a0)
  path$dev_ratio <- fit$dev.ratio
  path$cvm <- NA_real_
  path$cvsd <- NA_real_
  path$cvm[idx] <- cv$cvm
  path$cvsd[idx] <- cv$cvsd
  w(path, paste0(case, tag, "_path.csv"))
  if (beta) {
    b <- as.matrix(fit$beta)
    nz <- which(b != 0, arr.ind = TRUE)
    nz <- nz[order(nz[, 2], nz[, 1]), , drop = FALSE]
    w(data.frame(step = nz[, 2], feature = nz[, 1], beta = b[nz]),
      paste0(case, tag, "_beta.csv"))
  }
  w(data.frame(lambda_min = cv$lambda.min, lambda_1se = cv$lambda.1se,
               index_min = as.integer(cv$index[1]), index_1se = as.integer(cv$index[2]),
               nulldev = fit$nulldev), paste0(case, tag, "_summary.csv"))
  cmin <- as.numeric(as.matrix(coef(cv, s = "lambda.min")))
  c1se <- as.numeric(as.matrix(coef(cv, s = "lambda.1se")))
  feat <- if (family == "binomial") 0:p else 1:p
  w(data.frame(feature = feat, coef_min = cmin, coef_1se = c1se),
    paste0(case, tag, "_coef.csv"))
}

run_case <- function(case, x, y, foldid, family, alpha, lmr = NULL, beta = TRUE) {
  for (tight in c(FALSE, TRUE)) {
    args <- list(x, y, family = family, foldid = foldid, alpha = alpha,
                 type.measure = "deviance")
    if (tight) args <- c(args, list(thresh = 1e-16, maxit = 1e6))
    if (!is.null(lmr)) args$lambda.min.ratio <- lmr
    cv <- withCallingHandlers(do.call(cv.glmnet, args), warning = function(wn) {
      if (tight && grepl("Convergence", conditionMessage(wn))) stop(conditionMessage(wn))
    })
    write_case(case, cv, family, ncol(x), if (tight) "_tight" else "", beta = tight && beta)
  }
}

# ---- binomial, n = 120, p = 40 ---------------------------------------------------------
set.seed(20240611)
n <- 120; p <- 40
x <- make_x(n, p, 0.5)
zs <- scale(x)
eta <- -0.4 + 1.1 * zs[, 3] - 0.9 * zs[, 7] + 0.7 * zs[, 12] + 0.6 * zs[, 25] - 0.5 * zs[, 31]
y <- rbinom(n, 1, plogis(eta))
foldid <- fold_ids(n)
w(as.data.frame(x), "binom_x.csv", "%.3f")
w(data.frame(y = y, foldid = foldid), "binom_y.csv")
run_case("binom", x, y, foldid, "binomial", 1)
run_case("binom_en", x, y, foldid, "binomial", 0.5, beta = FALSE)

# ---- binomial, n = 60, p = 150 (p > n) -------------------------------------------------
set.seed(20240612)
n <- 60; p <- 150
x <- make_x(n, p, 0.6)
zs <- scale(x)
eta <- 0.3 + 1.4 * zs[, 5] - 1.2 * zs[, 40] + 1.0 * zs[, 90] - 0.8 * zs[, 130]
y <- rbinom(n, 1, plogis(eta))
foldid <- fold_ids(n)
w(as.data.frame(x), "binom_wide_x.csv", "%.3f")
w(data.frame(y = y, foldid = foldid), "binom_wide_y.csv")
run_case("binom_wide", x, y, foldid, "binomial", 1)

# ---- cox: Weibull-ish times rounded to 0.1 (ties), uniform censoring ------------------
make_surv <- function(eta) {
  n <- length(eta)
  t_event <- (-log(runif(n)) / (0.1 * exp(eta)))^(1 / 1.3)
  t_cens <- runif(n, 2, 15)
  time <- pmax(round(pmin(t_event, t_cens), 1), 0.1)
  status <- as.integer(t_event <= t_cens)
  list(time = time, status = status)
}

set.seed(20240613)
n <- 120; p <- 40
x <- make_x(n, p, 0.5)
zs <- scale(x)
s <- make_surv(0.9 * zs[, 2] - 0.8 * zs[, 9] + 0.6 * zs[, 20] + 0.5 * zs[, 33])
foldid <- fold_ids(n)
w(as.data.frame(x), "cox_x.csv", "%.3f")
w(data.frame(time = s$time, status = s$status, foldid = foldid), "cox_y.csv", "%.1f")
run_case("cox", x, Surv(s$time, s$status), foldid, "cox", 1)

set.seed(20240614)
n <- 60; p <- 150
x <- make_x(n, p, 0.6)
zs <- scale(x)
s <- make_surv(1.2 * zs[, 10] - 1.0 * zs[, 70] + 0.8 * zs[, 120])
foldid <- fold_ids(n)
w(as.data.frame(x), "cox_wide_x.csv", "%.3f")
w(data.frame(time = s$time, status = s$status, foldid = foldid), "cox_wide_y.csv", "%.1f")
run_case("cox_wide", x, Surv(s$time, s$status), foldid, "cox", 1, lmr = 0.1)
