# geo.tcl -- GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH(STORE), GEORADIUS
# and GEORADIUSBYMEMBER (with their _RO forms). Expected values are Redis
# 7.0's replies for the same commands.

start_server {tags {geo}} {
    test "GEOADD stores 52-bit geohash scores" {
        r del g
        assert_equal 2 [r geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania]
        assert_equal {Palermo 3479099956230698 Catania 3479447370796909} [r zrange g 0 -1 withscores]
        assert_equal 0 [r geoadd g xx 1 1 Nowhere]
        assert_equal 0 [r geoadd g ch 13.361389 38.115557 Palermo]
        assert_equal 1 [r geoadd g ch 13.5 38.2 Palermo]
        assert_error "ERR syntax error" {r geoadd g nx xx 1 1 a}
        assert_error "ERR syntax error" {r geoadd g 1 1 a 2}
        assert_error "ERR invalid longitude,latitude pair 200.000000,100.000000" {r geoadd g 200 100 x}
        assert_error "ERR value is not a valid float" {r geoadd g a 1 x}
    }

    test "GEODIST, GEOHASH and GEOPOS" {
        r del g
        r geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        assert_equal 166274.1516 [r geodist g Palermo Catania]
        assert_equal 166.2742 [r geodist g Palermo Catania km]
        assert_equal 103.3182 [r geodist g Palermo Catania mi]
        assert_equal {} [r geodist g Palermo nobody]
        assert_equal {} [r geodist nokey a b]
        assert_error "ERR unsupported unit provided. please use M, KM, FT, MI" {r geodist g Palermo Catania yd}
        assert_equal {sqc8b49rny0 sqdtr74hyu0 {}} [r geohash g Palermo Catania nobody]
        set pos [r geopos g Palermo nobody]
        assert_equal {13.36138933897018433 38.11555639549629859} [lindex $pos 0]
        assert_equal {} [lindex $pos 1]
    }

    test "GEOSEARCH by radius and by box, sorted, with options" {
        r del g
        r geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania \
            12.758489 38.788135 edge1 17.241510 38.788135 edge2
        assert_equal {Catania Palermo} [r geosearch g fromlonlat 15 37 byradius 200 km asc]
        assert_equal {{Catania 56.4413} {Palermo 190.4424}} \
            [r geosearch g fromlonlat 15 37 byradius 200 km asc withdist]
        assert_equal {Palermo Catania} [r geosearch g fromlonlat 15 37 byradius 200 km desc]
        assert_equal {Catania} [r geosearch g fromlonlat 15 37 byradius 200 km count 1]
        assert_equal {edge2 Palermo Catania} [r geosearch g frommember Catania bybox 400 400 km desc]
        assert_equal {{Catania 3479447370796909}} [r geosearch g frommember Catania byradius 1 km withhash]
        assert_equal 1 [llength [r geosearch g fromlonlat 15 37 bybox 4000 4000 km count 1 any]]
        assert_equal {Catania Palermo} [r georadius g 15 37 200 km asc]
        assert_equal {Palermo Catania} [r georadius_ro g 15 37 200 km desc]
        assert_equal {Palermo edge1} [r georadiusbymember g Palermo 100 km asc]
        assert_equal {Palermo edge1} [r georadiusbymember_ro g Palermo 100 km asc]
        assert_equal {} [r geosearch nokey fromlonlat 0 0 byradius 1 km]
    }

    test "GEOSEARCHSTORE and GEORADIUS STORE" {
        r del g dst
        r geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        assert_equal 2 [r geosearchstore dst g fromlonlat 15 37 byradius 200 km]
        assert_equal {Palermo 3479099956230698 Catania 3479447370796909} [r zrange dst 0 -1 withscores]
        assert_equal 2 [r geosearchstore dst g fromlonlat 15 37 byradius 200 km storedist]
        assert_equal {Catania Palermo} [r zrange dst 0 -1]
        assert_equal 1 [r georadius g 15 37 100 km store dst]
        assert_equal {Catania} [r zrange dst 0 -1]
        assert_equal 0 [r geosearchstore dst nokey fromlonlat 0 0 byradius 1 km]
        assert_equal 0 [r exists dst]
    }

    test "Geo argument errors match Redis 7.0" {
        r del g
        r geoadd g 13.361389 38.115556 Palermo
        assert_error "ERR could not decode requested zset member" {r geosearch g frommember nobody byradius 1 km}
        assert_error "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch" {r geosearch g byradius 1 km asc withdist}
        assert_error "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch" {r geosearch g frommember Palermo asc withdist withhash}
        assert_error "ERR the ANY argument requires COUNT argument" {r geosearch g frommember Palermo byradius 1 km any}
        assert_error "ERR COUNT must be > 0" {r geosearch g frommember Palermo byradius 1 km count 0}
        assert_error "ERR radius cannot be negative" {r georadius g 15 37 -1 km}
        assert_error "ERR height or width cannot be negative" {r geosearch g frommember Palermo bybox -1 1 km}
        assert_error "ERR need numeric radius" {r georadius g 15 37 x km}
        assert_error "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options" {r georadius g 15 37 1 km store x withdist}
        assert_error "ERR syntax error" {r georadius_ro g 15 37 1 km store x}
        assert_error "ERR syntax error" {r geosearch g frommember Palermo byradius 1 km store x}
        r set s x
        assert_error "WRONGTYPE*" {r geosearch s frommember Palermo byradius 1 km}
    }

    test "COMMAND GETKEYS of GEORADIUS with STORE" {
        assert_equal {src x dst} [r command getkeys georadius src 1 1 1 km store x storedist dst]
        assert_equal {src} [r command getkeys georadiusbymember src m 1 km]
    }
}
