/*
 * report_int.h - what report.c and report_svg.c share (report.h is the
 * contract); private to libarmistice, not installed.
 */
#ifndef ARMISTICE_REPORT_INT_H
#define ARMISTICE_REPORT_INT_H

#include "armistice/report.h"

/* HTML text or attribute value, escaped (& < > " '). */
int report_esc(struct buf *b, const char *s, struct arm_err *e) ARM_MUST_CHECK;
/* "2018-09-14" (the day of t in the agreement's zone) into out[11]. */
void report_day(int64_t t, int32_t tz, char out[11]);
/* "2018-09-14 12:00" (local) into out[17]. */
void report_minute(int64_t t, int32_t tz, char out[17]);

/* The map of the period's incidents over the agreement's zones (inline SVG + legend). */
int report_map(const struct report *r, const struct engine *eng, struct buf *b,
               struct arm_err *e) ARM_MUST_CHECK;
/* Incidents per month or week by kind (inline SVG), and the same numbers as a table. */
int report_chart(const struct report *r, const struct engine *eng, struct buf *b,
                 struct arm_err *e) ARM_MUST_CHECK;

#endif
