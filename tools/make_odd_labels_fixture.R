# Real caret's printout of a survey whose labels hold a newline, a tab and a
# backslash (R escapes them when it prints a table): the golden output for
# tests/survey_golden.rs. Run from the repository root:
#   Rscript tools/make_odd_labels_fixture.R > tests/fixtures/caret_odd_labels.txt
suppressMessages(library(caret))
options(width = 80)
d <- read.csv("tests/fixtures/odd_labels.csv", stringsAsFactors = FALSE)
lv <- sort(unique(c(d$actual, d$predicted)), method = "radix")
print(confusionMatrix(factor(d$predicted, levels = lv), factor(d$actual, levels = lv)))
