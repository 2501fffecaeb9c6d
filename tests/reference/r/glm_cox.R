# Golden values for radiome's logistic regression, Cox models, concordance and log-rank test.
#
# Regenerate from the repository root with:
#     Rscript tests/reference/r/glm_cox.R
# Generated with R 4.2.2 (Debian r-base 4.2.2), survival 3.5.3 and glmnet 4.1.6
# (packageVersion("survival"), packageVersion("glmnet")).
# Writes inputs and R's outputs as CSV (17 significant digits, unquoted) into tests/reference/r/glm_cox/.
#
#   clinical.csv          n = 240 seeded synthetic clinical-like cases: age (continuous),
#                         size_mm (continuous), sex (binary 0/1), stage (factor I/II/III),
#                         rad_score (continuous), outcome y (binary), time (integer months,
#                         many ties), status (1 = event), risk (rad_score rounded: tied risks),
#                         group2 (low/high at the median risk), group3 (tertiles)
#   glm.csv               glm(y ~ age + size_mm + sex + stage + rad_score, binomial):
#                         coef, se, z, p, odds ratio and Wald 95% CI (confint.default)
#   glm_reduced.csv       the same model without size_mm (the end of backward elimination)
#   glm_univariable.csv   one glm per predictor, same columns, plus the joint Wald p of stage
#   coxph_efron.csv       coxph(Surv(time, status) ~ age + size_mm + sex + stage + rad_score)
#   coxph_breslow.csv     the same with ties = "breslow"
#   concordance.csv       survival::concordance(Surv(time, status) ~ x, reverse = TRUE) for
#                         x = risk (tied) and x = the Cox linear predictor; timewt "n" (Harrell)
#                         and "n/G2" (Uno), with and without ymax = 24; estimate, std.err, counts
#   concordance_small.csv the same on a 12-case data set with heavy ties (small_input.csv)
#   survdiff.csv          survdiff(Surv(time, status) ~ group): chisq, df, p, observed, expected
#   coxph_groups.csv      coxph(Surv(time, status) ~ group) for the 2 and 3 group splits
#   km_median.csv         survfit medians per group
#   glmnet_input.csv      200 cases with untied times and 3 covariates
#   glmnet_ridge.csv      glmnet(family = "cox", alpha = 0, lambda = 0.05 / 0.2) coefficients

suppressMessages(library(survival))
options(digits = 17)
out <- file.path("tests", "reference", "r", "glm_cox")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
# write.csv keeps only 15 significant digits: write numbers as text with 17 instead
w <- function(df, name) {
  for (k in names(df)) if (is.double(df[[k]])) {
    df[[k]] <- ifelse(is.na(df[[k]]), "NA", sprintf("%.17g", df[[k]]))
  }
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}
f17 <- function(x) as.numeric(x)

set.seed(20240501)
n <- 240
age <- round(rnorm(n, 62, 10), 1)
size_mm <- round(exp(rnorm(n, log(30), 0.4)), 1)
sex <- rbinom(n, 1, 0.45)
stage <- factor(sample(c("I", "II", "III"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25)),
                levels = c("I", "II", "III"))
rad_score <- round(rnorm(n), 4)
lp <- -0.5 + 0.03 * (age - 62) + 0.02 * (size_mm - 30) + 0.4 * sex +
      c(0, 0.5, 1.1)[as.integer(stage)] + 0.9 * rad_score
y <- rbinom(n, 1, plogis(lp))
haz <- 0.03 * exp(0.02 * (age - 62) + 0.3 * sex + c(0, 0.3, 0.8)[as.integer(stage)] +
                  0.6 * rad_score)
t_event <- rexp(n, haz)
t_cens <- runif(n, 6, 72)
time <- pmax(1, ceiling(pmin(t_event, t_cens)))   # whole months: many tied times
status <- as.integer(t_event <= t_cens)
risk <- round(rad_score, 1)                       # tied risk scores
group2 <- factor(ifelse(risk > median(risk), "high", "low"), levels = c("low", "high"))
q <- quantile(risk, c(1/3, 2/3), type = 7)
group3 <- factor(ifelse(risk <= q[1], "low", ifelse(risk <= q[2], "mid", "high")),
                 levels = c("low", "mid", "high"))
d <- data.frame(age, size_mm, sex, stage, rad_score, y, time, status, risk, group2, group3)
w(d, "clinical.csv")

# ---- logistic regression -------------------------------------------------------------
coef_table <- function(fit, model) {
  s <- summary(fit)$coefficients
  ci <- confint.default(fit)
  data.frame(model = model, term = rownames(s), coef = f17(s[, 1]), se = f17(s[, 2]),
             z = f17(s[, 3]), p = f17(s[, 4]), odds_ratio = f17(exp(s[, 1])),
             or_lower = f17(exp(ci[, 1])), or_upper = f17(exp(ci[, 2])))
}
g <- glm(y ~ age + size_mm + sex + stage + rad_score, family = binomial, data = d,
         control = glm.control(epsilon = 1e-14, maxit = 100))
w(coef_table(g, "multivariable"), "glm.csv")
# the model left after dropping size_mm (largest Wald p, 0.065 > 0.05): backward elimination
gr <- glm(y ~ age + sex + stage + rad_score, family = binomial, data = d,
          control = glm.control(epsilon = 1e-14, maxit = 100))
w(coef_table(gr, "reduced"), "glm_reduced.csv")

uni <- list()
for (v in c("age", "size_mm", "sex", "stage", "rad_score")) {
  gu <- glm(as.formula(paste("y ~", v)), family = binomial, data = d,
            control = glm.control(epsilon = 1e-14, maxit = 100))
  tab <- coef_table(gu, v)
  b <- coef(gu)[-1]; V <- vcov(gu)[-1, -1, drop = FALSE]
  tab$p_predictor <- f17(pchisq(as.numeric(t(b) %*% solve(V) %*% b), length(b),
                                lower.tail = FALSE))
  uni[[v]] <- tab
}
w(do.call(rbind, uni), "glm_univariable.csv")

# ---- Cox models ---------------------------------------------------------------------
cox_table <- function(fit) {
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int
  data.frame(term = rownames(cf), coef = f17(cf[, "coef"]), se = f17(cf[, "se(coef)"]),
             z = f17(cf[, "z"]), p = f17(cf[, "Pr(>|z|)"]), hr = f17(ci[, "exp(coef)"]),
             hr_lower = f17(ci[, "lower .95"]), hr_upper = f17(ci[, "upper .95"]),
             loglik = f17(fit$loglik[2]))
}
ctl <- coxph.control(eps = 1e-11, iter.max = 100)
fe <- coxph(Surv(time, status) ~ age + size_mm + sex + stage + rad_score, data = d,
            ties = "efron", control = ctl)
fb <- coxph(Surv(time, status) ~ age + size_mm + sex + stage + rad_score, data = d,
            ties = "breslow", control = ctl)
w(cox_table(fe), "coxph_efron.csv")
w(cox_table(fb), "coxph_breslow.csv")

# ---- concordance --------------------------------------------------------------------
conc_row <- function(label, tt, ss, x, timewt, ymax = NULL) {
  dd <- data.frame(tt = tt, ss = ss, x = x)
  cf <- if (is.null(ymax)) concordance(Surv(tt, ss) ~ x, data = dd, reverse = TRUE,
                                       timewt = timewt)
        else concordance(Surv(tt, ss) ~ x, data = dd, reverse = TRUE, timewt = timewt,
                         ymax = ymax)
  data.frame(label = label, timewt = timewt, ymax = if (is.null(ymax)) NA else ymax,
             concordance = f17(cf$concordance), std_err = f17(sqrt(cf$var)),
             concordant = f17(cf$count[["concordant"]]),
             discordant = f17(cf$count[["discordant"]]),
             tied_x = f17(cf$count[["tied.x"]]), tied_y = f17(cf$count[["tied.y"]]),
             tied_xy = f17(cf$count[["tied.xy"]]))
}
d$lp_efron <- f17(fe$linear.predictors)
w(d[, c("time", "status", "lp_efron")], "cox_linear_predictor.csv")
rows <- list()
for (tw in c("n", "n/G2")) {
  rows[[length(rows) + 1]] <- conc_row("risk", d$time, d$status, d$risk, tw)
  rows[[length(rows) + 1]] <- conc_row("risk", d$time, d$status, d$risk, tw, ymax = 24)
  rows[[length(rows) + 1]] <- conc_row("lp_efron", d$time, d$status, d$lp_efron, tw)
}
w(do.call(rbind, rows), "concordance.csv")

small <- data.frame(time = c(1, 2, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8),
                    status = c(1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1),
                    risk = c(3, 2, 3, 2, 1, 2, 2, 1, 0, 1, 0, 0))
w(small, "small_input.csv")
rows <- list()
for (tw in c("n", "n/G2")) rows[[length(rows) + 1]] <- conc_row("small", small$time,
                                                                 small$status, small$risk, tw)
w(do.call(rbind, rows), "concordance_small.csv")

# ---- log-rank test, group hazard ratios, KM medians -----------------------------------
sd_rows <- list(); hr_rows <- list(); med_rows <- list()
for (gname in c("group2", "group3")) {
  grp <- d[[gname]]
  sdf <- survdiff(Surv(time, status) ~ grp, data = d)
  df <- length(sdf$n) - 1
  sd_rows[[gname]] <- data.frame(grouping = gname, level = levels(grp),
                                 chisq = f17(sdf$chisq), df = df,
                                 p = f17(pchisq(sdf$chisq, df, lower.tail = FALSE)),
                                 observed = f17(sdf$obs), expected = f17(sdf$exp))
  fg <- coxph(Surv(time, status) ~ grp, data = d, control = ctl)
  tab <- cox_table(fg)
  tab$grouping <- gname
  hr_rows[[gname]] <- tab
  km <- survfit(Surv(time, status) ~ grp, data = d)
  st <- summary(km)$table
  med_rows[[gname]] <- data.frame(grouping = gname, level = levels(grp),
                                  n = st[, "records"], events = st[, "events"],
                                  median = f17(st[, "median"]))
}
w(do.call(rbind, sd_rows), "survdiff.csv")
w(do.call(rbind, hr_rows), "coxph_groups.csv")
w(do.call(rbind, med_rows), "km_median.csv")

# ---- ridge-penalised Cox (glmnet) on untied times: the scale of the penalty --------------
suppressMessages(library(glmnet))
set.seed(7)
m <- 200
xg <- matrix(round(rnorm(m * 3), 4), m, 3, dimnames = list(NULL, c("a", "b", "c")))
tg <- round(rexp(m, exp(drop(xg %*% c(0.8, -0.5, 0.3)))), 6)
stopifnot(!anyDuplicated(tg))
sg <- rbinom(m, 1, 0.8)
w(data.frame(xg, time = tg, status = sg), "glmnet_input.csv")
gn <- list()
for (lam in c(0.05, 0.2)) {
  fg <- glmnet(xg, Surv(tg, sg), family = "cox", alpha = 0, lambda = lam, thresh = 1e-15,
               standardize = TRUE)
  gn[[length(gn) + 1]] <- data.frame(lambda = lam, term = colnames(xg),
                                     coef = as.numeric(coef(fg)))
}
w(do.call(rbind, gn), "glmnet_ridge.csv")

writeLines(c(R.version.string, paste("survival", packageVersion("survival")),
             paste("glmnet", packageVersion("glmnet"))),
           file.path(out, "versions.txt"))
