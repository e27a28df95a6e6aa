/**
 * AMF0 and AMF3, the serialization of RTMP command (types 20 and 17) and data (types 18 and 15)
 * messages.
 *
 * <p>Java types of decoded values, which the encoders also accept:
 *
 * <table>
 *   <caption>AMF types and their Java types</caption>
 *   <tr><th>AMF</th><th>Java</th></tr>
 *   <tr><td>number; AMF3 integer, double and int/uint/double vector entries</td>
 *       <td>{@code Double} (the encoders accept any {@link java.lang.Number})</td></tr>
 *   <tr><td>boolean</td><td>{@code Boolean}</td></tr>
 *   <tr><td>string, long string</td><td>{@code String}</td></tr>
 *   <tr><td>null</td><td>{@code null}</td></tr>
 *   <tr><td>undefined; AMF0 unsupported</td>
 *       <td>{@link io.cascade.rtmp.amf.Amf0#UNDEFINED}</td></tr>
 *   <tr><td>anonymous object</td><td>{@link io.cascade.rtmp.amf.AmfObject}</td></tr>
 *   <tr><td>typed object</td><td>{@link io.cascade.rtmp.amf.AmfTypedObject}</td></tr>
 *   <tr><td>ECMA array; AMF3 array with named entries</td>
 *       <td>{@link io.cascade.rtmp.amf.AmfEcmaArray}</td></tr>
 *   <tr><td>strict array; AMF3 dense array; AMF3 vectors</td><td>{@code List<Object>}</td></tr>
 *   <tr><td>date</td><td>{@link io.cascade.rtmp.amf.AmfDate}</td></tr>
 *   <tr><td>XML document; AMF3 XML</td><td>{@link io.cascade.rtmp.amf.AmfXml}</td></tr>
 *   <tr><td>AMF3 byte array</td><td>{@code byte[]}</td></tr>
 *   <tr><td>AMF3 dictionary</td><td>{@link io.cascade.rtmp.amf.AmfDictionary}</td></tr>
 * </table>
 *
 * <p>A reference decodes to the same instance as the value it points to; a reference to a value
 * that is still being read (a cycle) is rejected. Decoders are bounded by {@link
 * io.cascade.rtmp.amf.AmfLimits} and throw nothing but {@link io.cascade.rtmp.amf.AmfException}.
 */
package io.cascade.rtmp.amf;
