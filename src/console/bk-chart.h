/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  BK_CHART_BAR,
  BK_CHART_LINE,
  BK_CHART_HOUR_STRIP,
} BkChartKind;

#define BK_TYPE_CHART (bk_chart_get_type ())
G_DECLARE_FINAL_TYPE (BkChart, bk_chart, BK, CHART, GtkWidget)

GtkWidget   *bk_chart_new           (BkChartKind          kind);
BkChartKind  bk_chart_get_kind      (BkChart             *self);
void         bk_chart_set_values    (BkChart             *self,
                                     const double        *values,
                                     guint                n_values,
                                     const char * const  *labels);
void         bk_chart_set_previous  (BkChart             *self,
                                     const double        *values,
                                     guint                n_values);
guint        bk_chart_get_n_values  (BkChart             *self);
void         bk_chart_set_title     (BkChart             *self,
                                     const char          *title);
double       bk_chart_get_scale     (BkChart             *self);
void         bk_chart_set_scale     (BkChart             *self,
                                     double               scale);
double       bk_chart_get_axis_max  (BkChart             *self);
gboolean     bk_chart_get_bar_rect  (BkChart             *self,
                                     guint                index,
                                     double               width,
                                     double               height,
                                     graphene_rect_t     *rect);
void         bk_chart_draw          (BkChart             *self,
                                     cairo_t             *cr,
                                     double               width,
                                     double               height);
gboolean     bk_chart_export_png    (BkChart             *self,
                                     const char          *path,
                                     int                  width,
                                     int                  height,
                                     GError             **error);
gboolean     bk_chart_export_pdf    (BkChart             *self,
                                     const char          *path,
                                     double               width_pt,
                                     double               height_pt,
                                     GError             **error);
/* A legend ("This period" / "Previous period") in the top right corner; NULL: none. */
void         bk_chart_set_legend    (BkChart             *self,
                                     const char          *current,
                                     const char          *previous);
/* BK_CHART_BAR: the previous series as bars beside the current ones, not as a line. */
void         bk_chart_set_grouped   (BkChart             *self,
                                     gboolean             grouped);
gboolean     bk_chart_get_grouped   (BkChart             *self);

G_END_DECLS
