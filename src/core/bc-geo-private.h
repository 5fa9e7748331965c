/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bc-geo.h"

G_BEGIN_DECLS

double _bc_geo_cos_lat     (double lat);
double _bc_geo_haversine_m (double lat1,
                            double cos_lat1,
                            double lat2,
                            double cos_lat2,
                            double dlon_deg);

G_END_DECLS
