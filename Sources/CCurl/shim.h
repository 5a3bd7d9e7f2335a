#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
   These typed wrappers are the only way the Swift side reaches them. */
static inline CURLcode shiplog_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shiplog_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shiplog_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shiplog_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode shiplog_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*shiplog_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);
static inline CURLcode shiplog_curl_setopt_data_callback(CURL *handle, CURLoption option, shiplog_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode shiplog_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode shiplog_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
typedef int (*shiplog_curl_xferinfo_callback)(void *userdata, curl_off_t download_total, curl_off_t download_now,
                                              curl_off_t upload_total, curl_off_t upload_now);
static inline CURLcode shiplog_curl_setopt_xferinfo_callback(CURL *handle, CURLoption option, shiplog_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
