# tls-certs.tcl -- makes the test certificates with openssl when
# utils/gen-test-certs.sh is not available: a CA, a server certificate for
# 127.0.0.1/localhost, a client certificate and DH parameters, all in <dir>.

proc gen_test_certs {dir} {
    file mkdir $dir
    set days 3650
    set ossl [list exec openssl]
    proc run {args} {
        exec {*}$args 2>@1
    }
    cd $dir
    run openssl genrsa -out ca.key 2048
    run openssl req -x509 -new -nodes -sha256 -key ca.key -days $days \
        -subj "/O=Redis Test/CN=Certificate Authority" -out ca.crt
    foreach {name usage} {server serverAuth client clientAuth} {
        set ext [open $name.ext w]
        puts $ext "keyUsage = digitalSignature, keyEncipherment"
        puts $ext "extendedKeyUsage = $usage"
        puts $ext "subjectAltName = IP:127.0.0.1, DNS:localhost"
        close $ext
        run openssl genrsa -out $name.key 2048
        run openssl req -new -sha256 -key $name.key \
            -subj "/O=Redis Test/CN=$name" -out $name.csr
        run openssl x509 -req -sha256 -in $name.csr -CA ca.crt -CAkey ca.key \
            -CAcreateserial -days $days -extfile $name.ext -out $name.crt
        file delete $name.csr $name.ext
    }
    # A named group: instant to produce, unlike random DH parameters.
    run openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out redis.dh
    foreach f [glob *.key] {file attributes $f -permissions 0644}
}
