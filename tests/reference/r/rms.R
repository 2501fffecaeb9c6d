# Golden values for radiome.model.nomogram and radiome.evaluate.calibration.
#
# Generated with R 4.2.2 Patched, rms 6.5.0, Hmisc 4.8.0, survival 3.5.3
# (the versions of the run are printed and written to rms/versions.csv).
# ResourceSelection is not packaged in Debian: the Hosmer-Lemeshow statistic is computed
# here by hand with the grouping rule of ResourceSelection::hoslem.test (quantile breaks,
# type 7, unique, cut(include.lowest = TRUE)).
#
# Run from the repository root:  Rscript tests/reference/r/rms.R
# Writes CSV files (full precision, %.17g) into tests/reference/r/rms/.

suppressPackageStartupMessages(library(rms))
options(digits = 17)
versions <- c(R = paste(R.version$major, R.version$minor, sep = "."),
              rms = as.character(packageVersion("rms")),
              Hmisc = as.character(packageVersion("Hmisc")),
              survival = as.character(packageVersion("survival")))
message("versions: ", paste(names(versions), versions, collapse = ", "))

out <- file.path("tests", "reference", "r", "rms")
dir.create(out, showWarnings = FALSE, recursive = TRUE)

fmt <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else as.character(x)
wcsv <- function(df, name) {
  df <- as.data.frame(lapply(df, fmt), stringsAsFactors = FALSE)
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# ---------------------------------------------------------------- data (seeded, synthetic)
set.seed(20240605)
make_data <- function(n, shift = 0) {
  d <- data.frame(
    age = round(rnorm(n, 62, 9), 1),
    volume = round(exp(rnorm(n, 3, 0.6)), 2),
    rad_score = rnorm(n),
    sex = rbinom(n, 1, 0.45),
    grade = factor(sample(c("G1", "G2", "G3"), n, TRUE, prob = c(0.4, 0.35, 0.25)),
                   levels = c("G1", "G2", "G3"))
  )
  lp <- -5.2 + shift + 0.06 * d$age + 0.015 * d$volume + 0.8 * d$rad_score +
    0.5 * d$sex + c(0, 0.6, 1.3)[as.integer(d$grade)]
  d$y <- rbinom(n, 1, plogis(lp))
  lpc <- 0.04 * (d$age - 62) + 0.01 * d$volume + 0.5 * d$rad_score + 0.3 * d$sex +
    c(0, 0.4, 0.9)[as.integer(d$grade)]
  t_event <- rexp(n, 0.3 * exp(lpc))
  t_cens <- runif(n, 0.5, 4)
  d$time <- pmin(t_event, t_cens)
  d$status <- as.integer(t_event <= t_cens)
  d
}
train <- make_data(300)
valid <- make_data(250, shift = 0.4)
wcsv(train, "data_train.csv")

dd <- datadist(train)
options(datadist = "dd")

# long table of a nomogram object: one row per tick of every axis
nomo_table <- function(nom) {
  rows <- list()
  for (nm in names(nom)) {
    s <- nom[[nm]]
    if (nm == "total.points") {
      rows[[nm]] <- data.frame(axis = nm, value = fmt(s$x), points = s$x)
    } else if (!is.null(s$points)) {
      rows[[nm]] <- data.frame(axis = nm, value = fmt(s[[1]]), points = s$points)
    } else {
      rows[[nm]] <- data.frame(axis = nm, value = fmt(s$x.real), points = s$x)
    }
  }
  do.call(rbind, rows)
}
nomo_info <- function(nom) {
  info <- attr(nom, "info")
  data.frame(name = c("sc", "Intercept", "maxscale", "nint"),
             value = c(info$sc, unname(info$Intercept), info$maxscale, info$nint))
}

# ---------------------------------------------------------------- lrm nomograms
f <- lrm(y ~ age + volume + rad_score + sex + grade, data = train, x = TRUE, y = TRUE)
wcsv(data.frame(name = names(coef(f)), estimate = unname(coef(f))), "lrm_coef.csv")

nom_default <- nomogram(f, fun = plogis, funlabel = "Risk")
wcsv(nomo_table(nom_default), "nomogram_lrm_default.csv")
wcsv(nomo_info(nom_default), "nomogram_lrm_default_info.csv")

risk_at <- c(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
nom_at <- nomogram(f, fun = plogis, fun.at = risk_at, funlabel = "Risk")
wcsv(nomo_table(nom_at), "nomogram_lrm_funat.csv")
wcsv(nomo_info(nom_at), "nomogram_lrm_funat_info.csv")

# ---------------------------------------------------------------- cph nomogram
fc <- cph(Surv(time, status) ~ age + volume + rad_score + sex + grade, data = train,
          x = TRUE, y = TRUE, surv = TRUE, eps = 1e-12, iter.max = 100)
wcsv(data.frame(name = c(names(coef(fc)), "center"),
                estimate = c(unname(coef(fc)), fc$center)), "cph_coef.csv")
wcsv(data.frame(time = fc$time, surv = fc$surv), "cph_baseline_survival.csv")
surv <- Survival(fc)
surv_at <- c(0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
nom_cox <- nomogram(fc, fun = list(function(x) surv(1, x), function(x) surv(2, x)),
                    funlabel = c("S(1)", "S(2)"), fun.at = surv_at)
wcsv(nomo_table(nom_cox), "nomogram_cph.csv")
wcsv(nomo_info(nom_cox), "nomogram_cph_info.csv")
nom_cox_default <- nomogram(fc, fun = list(function(x) surv(1, x), function(x) surv(2, x)),
                            funlabel = c("S(1)", "S(2)"))
wcsv(nomo_table(nom_cox_default), "nomogram_cph_default.csv")

# ---------------------------------------------------------------- pretty() checks
set.seed(11)
pr <- list()
for (i in 1:100) {
  lo <- rnorm(1, 0, 10^sample(-3:3, 1))
  hi <- lo + abs(rnorm(1, 0, 10^sample(-3:3, 1)))
  n <- sample(c(5, 10), 1)
  p <- pretty(c(lo, hi), n = n)
  pr[[i]] <- data.frame(case = i, lo = lo, hi = hi, n = n, k = seq_along(p), tick = p)
}
wcsv(do.call(rbind, pr), "pretty.csv")

# ---------------------------------------------------------------- lowess checks
set.seed(12)
xl <- round(runif(120), 2)  # ties on purpose
yl <- rbinom(120, 1, xl)
lw0 <- lowess(xl, yl, iter = 0)
lw3 <- lowess(xl, yl)
xs <- rnorm(80); ys <- sin(xs) + rnorm(80, 0, 0.3)
lw_s0 <- lowess(xs, ys, iter = 0)
lw_s3 <- lowess(xs, ys, f = 0.3)
xb <- runif(29); xb <- xb[sample(29, replace = TRUE)]  # bootstrap-like ties, small span
yb <- rbinom(29, 1, xb)
lw_b0 <- lowess(xb, yb, f = 0.3, iter = 0)
xw <- runif(150); yw <- rbinom(150, 1, xw)  # wide span
xt <- c(0.85, 0.32, 0.32, 0.66, 0.55, 0.85, 0.55, 0.31, 0.55, 0.55, 0.39, 0.19)  # tiny, tied
yt <- c(1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1)
lw_t0 <- lowess(xt, yt, f = 0.3, iter = 0)
lw_w0 <- lowess(xw, yw, f = 0.9, iter = 0)
wcsv(rbind(data.frame(case = "ties_iter0", x_in = xl, y_in = yl, x = lw0$x, y = lw0$y),
           data.frame(case = "ties_iter3", x_in = xl, y_in = yl, x = lw3$x, y = lw3$y),
           data.frame(case = "smooth_iter0", x_in = xs, y_in = ys, x = lw_s0$x, y = lw_s0$y),
           data.frame(case = "smooth_f03_iter3", x_in = xs, y_in = ys,
                      x = lw_s3$x, y = lw_s3$y),
           data.frame(case = "boot_f03_iter0", x_in = xb, y_in = yb, x = lw_b0$x, y = lw_b0$y),
           data.frame(case = "wide_f09_iter0", x_in = xw, y_in = yw, x = lw_w0$x, y = lw_w0$y),
           data.frame(case = "tiny_f03_iter0", x_in = xt, y_in = yt, x = lw_t0$x, y = lw_t0$y)),
     "lowess.csv")

# ---------------------------------------------------------------- calibrate(method = "boot")
B <- 40
seed <- 777
set.seed(seed)
cal <- calibrate(f, B = B, method = "boot")
cal_df <- as.data.frame(unclass(cal)[, c("predy", "calibrated.orig", "calibrated.corrected",
                                        "index.orig", "training", "test", "optimism",
                                        "index.corrected", "n")])
wcsv(cal_df, "calibrate_lrm.csv")

# predab.resample(method = "boot") draws, in order, one sample(n, replace = TRUE) per
# iteration and nothing else: reproduce them with the same seed ...
n <- nrow(train)
set.seed(seed)
idx <- sapply(seq_len(B), function(i) sample(n, replace = TRUE))
# ... and check that feeding them to the algorithm reproduces calibrate()'s output.
X <- f$x
yy <- f$y
predicted <- plogis(f$linear.predictors)
p_sorted <- sort(predicted)
predy <- seq(p_sorted[5], p_sorted[n - 4], length = 50)
cal_curve <- function(p, yv) {
  sm <- lowess(p, yv, iter = 0)
  approx(sm, xout = predy, ties = function(z) z[1])$y
}
orig <- cal_curve(predicted, yy)
tr <- te <- numeric(length(predy)); num <- numeric(length(predy))
for (b in seq_len(B)) {
  s <- idx[, b]
  fb <- lrm.fit(X[s, , drop = FALSE], yy[s], tol = 1e-13)
  pb <- plogis(drop(cbind(1, X) %*% coef(fb)))
  a <- cal_curve(pb[s], yy[s]) - predy
  t <- cal_curve(pb, yy) - predy
  na <- is.na(a + t)
  num <- num + !na
  a[na] <- 0; t[na] <- 0
  tr <- tr + a; te <- te + t
}
optimism <- tr / num - te / num
stopifnot(isTRUE(all.equal(orig, cal_df$calibrated.orig, tolerance = 1e-12)))
stopifnot(isTRUE(all.equal(orig - optimism, cal_df$calibrated.corrected, tolerance = 1e-10)))
stopifnot(isTRUE(all.equal(num, cal_df$n)))
colnames(idx) <- paste0("b", seq_len(B))
wcsv(as.data.frame(idx), "calibrate_indices.csv")

# print.calibrate.default's error summary over the apparent predicted probabilities
s <- !is.na(cal_df$predy + cal_df$calibrated.corrected)
err <- predicted - approx(cal_df$predy[s], cal_df$calibrated.corrected[s],
                          xout = predicted, ties = mean)$y
wcsv(data.frame(name = c("mean_absolute_error", "mean_squared_error", "q90_absolute_error"),
                value = c(mean(abs(err), na.rm = TRUE), mean(err^2, na.rm = TRUE),
                          unname(quantile(abs(err), 0.9, na.rm = TRUE)))),
     "calibrate_lrm_errors.csv")

# ---------------------------------------------------------------- val.prob and friends
p_val <- predict(f, newdata = valid, type = "fitted")
y_val <- valid$y
v <- val.prob(p_val, y_val, pl = FALSE)
citl <- glm(y_val ~ 1, offset = qlogis(p_val), family = binomial,
            control = glm.control(epsilon = 1e-14, maxit = 100))
recal <- glm(y_val ~ qlogis(p_val), family = binomial,
             control = glm.control(epsilon = 1e-14, maxit = 100))
stopifnot(isTRUE(all.equal(unname(coef(recal)), unname(v[c("Intercept", "Slope")]),
                           tolerance = 1e-7)))
brier <- mean((p_val - y_val)^2)
prev <- mean(y_val)
extra <- c(citl = unname(coef(citl)), citl_se = sqrt(vcov(citl)[1, 1]),
           recal_intercept_se = sqrt(vcov(recal)[1, 1]), recal_slope_se = sqrt(vcov(recal)[2, 2]),
           scaled_brier = 1 - brier / (prev * (1 - prev)))
wcsv(data.frame(p = p_val, y = y_val), "valprob_data.csv")
wcsv(data.frame(name = c(names(v), names(extra)), value = c(unname(v), unname(extra))),
     "valprob_stats.csv")

# Hosmer-Lemeshow (ResourceSelection::hoslem.test's grouping, by hand)
hl <- function(y, yhat, g = 10) {
  qq <- unique(quantile(yhat, probs = seq(0, 1, 1 / g)))
  cutyhat <- cut(yhat, breaks = qq, include.lowest = TRUE)
  observed <- xtabs(cbind(y0 = 1 - y, y1 = y) ~ cutyhat)
  expected <- xtabs(cbind(yhat0 = 1 - yhat, yhat1 = yhat) ~ cutyhat)
  chisq <- sum((observed - expected)^2 / expected)
  G <- length(unique(cutyhat))
  list(stat = chisq, df = G - 2, p = 1 - pchisq(chisq, G - 2),
       table = data.frame(group = seq_len(nrow(observed)), n = rowSums(observed),
                          observed = unname(observed[, 2]), expected = unname(expected[, 2])))
}
h10 <- hl(y_val, p_val, 10)
h8 <- hl(y_val, p_val, 8)
p_tied <- round(p_val, 1)  # heavy ties: fewer than g groups
h_tied <- hl(y_val, p_tied, 10)
wcsv(data.frame(case = c("g10", "g8", "tied_g10"),
                statistic = c(h10$stat, h8$stat, h_tied$stat),
                df = c(h10$df, h8$df, h_tied$df),
                p_value = c(h10$p, h8$p, h_tied$p)), "hosmer_lemeshow.csv")
wcsv(h10$table, "hosmer_lemeshow_g10_table.csv")
wcsv(data.frame(name = names(versions), version = unname(versions)), "versions.csv")
message("done")
